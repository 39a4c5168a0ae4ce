"""The responses file (`ask` writes it, `score` and the site read it) and bounded JSONL reading.

A responses file is JSONL: one object a line with `id`, `model`, `response` (text, null on
error), `error` (null, or what went wrong) and `latency_s`. `response_problem` holds the
rules one line must keep; the command line, the site and `ask` all use it, and
`iter_jsonl` for reading, so that a file is accepted or refused the same way everywhere.

Reading is bounded: a line longer than MAX_LINE_BYTES, text that is not UTF-8, JSON nested
too deeply for the parser, a lone surrogate (`"\\ud800"`, which no UTF-8 writer, CSV file
or database accepts) or a model name longer than MAX_MODEL_NAME are refused with the file
and line, never a traceback.
"""

import functools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

RESPONSE_KEYS = ("id", "model", "response", "error")
MAX_LINE_BYTES = 1024 * 1024
MAX_MODEL_NAME = 200
PROVENANCE_SUFFIX = ".provenance.json"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class JsonlError(ValueError):
    """A JSONL file or line that cannot be read; the message names the file and line,
    `reason` says what is wrong with it ("not JSON (...)", "longer than ...")."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.reason = reason


def iter_jsonl(
    path: str | Path, *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a file; JsonlError on a bad one."""
    try:
        with open(path, "rb") as file:
            yield from iter_jsonl_lines(
                iter(functools.partial(file.readline, max_line_bytes + 1), b""),
                where=str(path),
                max_line_bytes=max_line_bytes,
            )
    except OSError as error:
        raise JsonlError(f"cannot read {path}", str(error.strerror or error)) from None


def iter_jsonl_lines(
    lines: Iterable[bytes], *, where: str, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict]]:
    """The same for lines already read (an upload): `where` names them in errors."""
    for number, line in enumerate(lines, 1):
        if len(line) > max_line_bytes:
            raise JsonlError(f"{where}, line {number}", f"longer than {max_line_bytes:,} bytes")
        if line.strip():
            yield number, parse_line(line, f"{where}, line {number}")


def parse_line(line: bytes | str, where: str) -> dict:
    """One JSONL line as an object; JsonlError says why it is not one."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonlError(where, f"not UTF-8 text (byte {error.start})") from None
    try:
        row = json.loads(line)
    except RecursionError:
        raise JsonlError(where, "JSON nested too deeply") from None
    except ValueError as error:
        raise JsonlError(where, f"not JSON ({error})") from None
    if not isinstance(row, dict):
        raise JsonlError(where, "not a JSON object")
    return row


def response_problem(response) -> str | None:
    """What is wrong with one responses-file line, or None when it can be scored."""
    if not isinstance(response, dict):
        return "is not a JSON object"
    absent = [key for key in RESPONSE_KEYS if key not in response]
    if absent:
        return f"lacks {', '.join(absent)}"
    for key in ("id", "model"):
        if not isinstance(response[key], str) or not response[key]:
            return f"has no text {key}"
    problem = model_name_problem(response["model"])
    if problem:
        return problem
    if response["error"] is not None and not isinstance(response["error"], str):
        return "has an error that is neither text nor null"
    if response["error"] is None and not isinstance(response["response"], str):
        return "has no text response and no error"
    for key in ("id", "response", "error"):
        if isinstance(response[key], str) and _SURROGATE.search(response[key]):
            return f"has a lone surrogate (an unpaired \\ud800-\\udfff escape) in its {key}"
    return None


def model_name_problem(model: str) -> str | None:
    """Model names become file names, CSV cells and page titles: bound them."""
    if len(model) > MAX_MODEL_NAME:
        return f"has a model name of {len(model):,} characters (at most {MAX_MODEL_NAME})"
    if _SURROGATE.search(model) or _CONTROL.search(model):
        return "has a model name with a lone surrogate or a control character"
    return None


def provenance_path(responses_path: str | Path) -> Path:
    """Where `ask` records how the responses in a file were made."""
    path = Path(responses_path)
    return path.with_name(path.name + PROVENANCE_SUFFIX)
