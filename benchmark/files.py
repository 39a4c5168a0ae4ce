"""Files written whole or not at all, and JSON Lines read with errors a person can act on.

Writes go to a temporary file (or folder) beside the target and are renamed into place,
so a reader, a crash or a full disk never leaves half a file where the target should be.

`read_jsonl` reads one line at a time (`read_jsonl_lines` reads lines already in memory,
`parse_jsonl_line` one line) and stops at the first bad line with a `JsonlError` that
names the file and line: not UTF-8, not JSON, not a JSON object, too long, nested too
deeply, or holding a lone surrogate (a string that cannot be written back as UTF-8).
Blank lines are skipped. Every JSONL file the project reads goes through these.
"""

import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# A line longer than this is refused before it is parsed: a few megabytes is far more
# than any identity, item or response needs, and the limit bounds the reader's memory.
MAX_LINE_BYTES = 16 * 1024 * 1024

# Canonical JSON: sorted keys, UTF-8; values JSON lacks (a date of birth as a date) as text.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
# A \u escape of a high or low surrogate: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonlError(ValueError):
    """A JSON Lines file that cannot be read; the message names the file and line."""

    def __init__(self, source: str, line: int | None, reason: str):
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__(f"{source}, line {line}: {reason}" if line else f"{source}: {reason}")


def json_line(record) -> bytes:
    """One line of canonical JSON, newline included."""
    return (_CANONICAL.encode(record) + "\n").encode("utf-8")


def atomic_write_bytes(path: str | Path, data: bytes | Iterable[bytes], mode: int = 0o666) -> None:
    """Write `data` (bytes, or chunks in order) to `path` in one step; `mode` as for
    `os.open` (the umask applies). On an error nothing changes at `path`."""
    atomic_write_files({Path(path): data}, mode=mode)


def atomic_write_text(path: str | Path, text: str, mode: int = 0o666) -> None:
    """Write `text` as UTF-8 with the line breaks as given."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_json(path: str | Path, value, mode: int = 0o666) -> None:
    """Write `value` as indented JSON with sorted keys and a final newline."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    atomic_write_text(path, text, mode=mode)


def atomic_write_files(files: Mapping[Path, bytes | Iterable[bytes]], mode: int = 0o666) -> None:
    """Write every file beside its target first, then rename each into place: a failure
    while writing (disk full, a bad chunk) leaves every target as it was."""
    staged: dict[Path, Path] = {}
    try:
        for target, data in files.items():
            staged[Path(target)] = _stage(Path(target), data, mode)
        for target, temporary in staged.items():
            os.replace(temporary, target)
    except BaseException:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        raise


def _stage(target: Path, data: bytes | Iterable[bytes], mode: int) -> Path:
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            for chunk in [data] if isinstance(data, bytes | bytearray | memoryview) else data:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


@contextmanager
def staged_folder(target: str | Path) -> Iterator[Path]:
    """A new folder beside `target` to fill. When the block ends without an error it takes
    `target`'s place (whatever was there is moved aside, then deleted); on an error it is
    deleted. Either way `target` never holds half a result. The caller decides beforehand
    whether an existing `target` may be replaced."""
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it owner-only
        yield staging
        _replace_folder(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace_folder(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    try:
        os.rename(target, aside / target.name)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(aside / target.name, target)
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def read_jsonl(
    source: str | Path | BinaryIO, *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL file, given as a path or
    a binary stream (read from where it stands, left open). Raises JsonlError (a
    ValueError) at the first line that is not a JSON object, and for a missing or
    unreadable file."""
    if isinstance(source, str | os.PathLike):
        yield from _read_jsonl_path(Path(source), max_line_bytes)
    else:
        yield from _read_jsonl_stream(source, _stream_name(source), max_line_bytes)


def _read_jsonl_path(path: Path, max_line_bytes: int) -> Iterator[tuple[int, dict]]:
    with _open_for_reading(path) as stream:
        yield from _read_jsonl_stream(stream, str(path), max_line_bytes)


def _open_for_reading(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise JsonlError(str(path), None, "no such file; check the path") from None
    except IsADirectoryError:
        raise JsonlError(str(path), None, "is a folder; give the JSONL file") from None
    except OSError as error:
        raise JsonlError(str(path), None, f"cannot read: {error.strerror or error}") from None


def _stream_name(stream) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) else "<stream>"


def _read_jsonl_stream(
    stream: BinaryIO, name: str, max_line_bytes: int
) -> Iterator[tuple[int, dict]]:
    # A line is read at most one byte past the limit: a longer one is refused without
    # ever being held whole.
    yield from read_jsonl_lines(
        _stream_lines(stream, name, max_line_bytes + 1), where=name, max_line_bytes=max_line_bytes
    )


def _stream_lines(stream: BinaryIO, name: str, size: int) -> Iterator[bytes]:
    number = 0
    while True:
        try:
            line = stream.readline(size)
        except OSError as error:
            raise JsonlError(name, number + 1, f"cannot read: {error.strerror or error}") from None
        if not line:
            return
        if isinstance(line, str):
            raise TypeError(f"read_jsonl needs a binary stream; open {name} with 'rb'")
        number += 1
        yield line


def read_jsonl_lines(
    lines: Iterable[bytes], *, where: str, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict]]:
    """The same as `read_jsonl` for lines already read (an upload, a stored file split
    with `splitlines`), with or without their line breaks; `where` names them in errors."""
    for number, line in enumerate(lines, 1):
        if len(line) - line.endswith(b"\n") > max_line_bytes:
            raise JsonlError(where, number, f"longer than {max_line_bytes:,} bytes; split it")
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # a byte-order mark some editors write
        if line.strip():
            yield number, _parse_line(where, number, line)


def parse_jsonl_line(line: bytes | str, where: str) -> dict:
    """One line of JSON Lines (or a whole small JSON file) as an object, checked as
    `read_jsonl` checks each line; JsonlError, named by `where`, says why it is not one."""
    return _parse_line(where, None, line)


def _parse_line(name: str, number: int | None, line: bytes | str) -> dict:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonlError(name, number, f"not UTF-8 text (byte {error.start + 1})") from None
    try:
        value = json.loads(line, parse_constant=_refuse_constant)
        # Only a \u escape can make a lone surrogate; most lines hold none, and looking
        # for one is far cheaper than encoding the value again.
        lone_surrogate = "\\u" in line and _SURROGATE_ESCAPE.search(line) and not _encodable(value)
    except json.JSONDecodeError as error:
        raise JsonlError(name, number, f"not JSON ({error.msg}, column {error.colno})") from None
    except RecursionError:
        raise JsonlError(name, number, "nested too deeply to read") from None
    except ValueError as error:  # NaN or Infinity, or an integer too long to convert
        raise JsonlError(name, number, f"not JSON ({str(error).partition(':')[0]})") from None
    if not isinstance(value, dict):
        raise JsonlError(name, number, f"not a JSON object (found {_json_kind(value)})")
    if lone_surrogate:
        raise JsonlError(name, number, "holds a lone surrogate (\\uD800-\\uDFFF) in a string")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _encodable(value: dict) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_kind(value) -> str:
    kinds = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")
