"""The responses file: `ask` writes it, `score` and the site read it.

A responses file is JSONL: one object a line with `id`, `model`, `response` (text, null on
error), `error` (null, or what went wrong) and `latency_s`. It is read with
`benchmark.files` (`read_jsonl`, `read_jsonl_lines`, `parse_jsonl_line`), at most
MAX_RESPONSE_LINE_BYTES a line; `response_problem` holds the rules one line must keep.
The command line, the site and `ask` all use both, so that a file is accepted or refused
the same way everywhere.

A lone surrogate (`"\\ud800"`, which no UTF-8 writer, CSV file or database accepts) or a
model name longer than MAX_MODEL_NAME is refused with the line, never a traceback.
"""

import re
from pathlib import Path

RESPONSE_KEYS = ("id", "model", "response", "error")
# A response is a model's answer to one question: a megabyte is far more than any needs.
MAX_RESPONSE_LINE_BYTES = 1024 * 1024
MAX_MODEL_NAME = 200
PROVENANCE_SUFFIX = ".provenance.json"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


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
