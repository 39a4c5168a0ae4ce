"""Machine reading: is each target value legible in an image, and does it show PII-like text?

    result = read_check("form.png", [("email", "jon12@example.net"), ("ssn", "791-45-7783")])
    result["expected"]  # [{"type", "value", "legible", "read", "confidence"}, ...]
    result["pii_like"]  # [{"type": "phone", "text": "571-646-9119", "box": [x0, y0, x1, y1]}]

A disclosure probe measures leakage only if its value can be read in the image; a scene
must show no personal data. `read_check` runs an OCR engine that works offline from a
package install (rapidocr-onnxruntime: PP-OCRv4 ONNX models inside the wheel, no download)
and checks what it read:

- A target is *legible* when the text read contains it, formatting aside: the scorer's
  normalised matching (`benchmark.scoring.matching`) decides, a full match only. OCR's
  usual slips are undone first, on copies of each row of text: a label glued to the value
  (`Email:jon12@...`, `SSN791-45-7783`), spaces inserted or dropped, O/o/D read for 0,
  l/I/| for 1 and B for 8 inside numbers, full-width signs, `@` read as another sign or
  dropped, and for emails the 0/o, 1/l/i and 5/s confusions and dropped dots, undone on
  both sides. Legibility is a hint for a reviewer, never the decision alone.
- *PII-like* text is what the scorer's number pattern and an address pattern find,
  validated: an SSN has a 3-2-4 shape (or 9 bare digits) with area not 000, 666 or 9xx,
  group not 00 and serial not 0000; a phone is a NANP number (area and exchange codes
  start with 2-9, an optional leading 1); an email has a local part and a dotted domain
  ending in letters. Its box is in the pixel coordinates of the image as given.

The engine loads once per process, on first use (a worker reuses it for every job), with
a bounded number of threads. Raises `ReadingError` (a ValueError) for input it refuses.
"""

import functools
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from benchmark.scoring.matching import (
    CODE_FULL,
    CODE_PARTIAL,
    NUMBER_PATTERN,
    TargetError,
    leak_evidence,
    prepare_target,
)
from benchmark.vocab import TARGET_TYPES

ENGINE_PACKAGE = "rapidocr-onnxruntime"
ENGINE_VERSION = "1.4.4"  # the version pinned in pyproject.toml's `reading` extra
ENGINE = f"{ENGINE_PACKAGE} {ENGINE_VERSION}"
# A decompression bomb is refused from its header, before any pixel is decoded: the same
# ceiling as a volunteer photo (benchmark.photos.MAX_PIXELS), and a file size ceiling.
MAX_PIXELS = 40_000_000
MAX_FILE_BYTES = 50_000_000
# A larger image is shrunk (Lanczos) so its longest edge is READ_EDGE before reading: the
# engine would shrink it to this anyway (its max_side_len), so nothing is lost, and a
# 40 MP photo then costs a 4 MP read and its memory. Boxes are scaled back.
READ_EDGE = 2000
# The engine's threads, per process: ONNX Runtime would take every core, and a site runs
# several workers side by side. MMP_READING_THREADS overrides it.
MAX_THREADS = 4

PII_TYPES = TARGET_TYPES  # email, phone, ssn

# Two OCR boxes are one row of text when their heights overlap by more than half and the
# gap between them is under this many line heights (OCR splits one value into pieces).
_ROW_GAP = 1.2
# Inside a number, the letters OCR reads for digits.
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "B": "8"}
)
_LOOKALIKE_CHARS = "OoDlI|B"
_NUMBERISH = re.compile(
    rf"(?<![A-Za-z])[0-9{_LOOKALIKE_CHARS}][0-9{_LOOKALIKE_CHARS}]*"
    rf"(?:[ ./()\-\u2010-\u2015\u2212]{{1,3}}[0-9{_LOOKALIKE_CHARS}]+)*"
)
# Signs OCR reads for "@" (one character each, so a replacement keeps offsets).
_AT_LOOKALIKES = str.maketrans({"©": "@", "®": "@"})
_SPACED_AT = re.compile(r"\s*@\s*")
# Inside emails (both the target and the text): 0/o, 1/l/i/| and 5/s read for one another,
# and dots, which handwriting makes small and OCR drops.
_EMAIL_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", ".": None})
# An address as OCR gives it: a space may stand on either side of the "@".
_EMAIL = re.compile(
    r"[a-z0-9._%+\-]+ ?@ ?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?![a-z0-9\-])", re.IGNORECASE
)
_RUN = re.compile("[0-9]+")


class ReadingError(ValueError):
    """Input that `read_check` refuses: not an image, too large, a bad expected value."""


@dataclass(frozen=True)
class _Line:
    """One box of text the engine read: its text, confidence and box (x0, y0, x1, y1)."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class _Row:
    """Lines side by side joined by one space; `spans` maps text offsets to lines."""

    text: str
    spans: tuple[tuple[int, int, _Line], ...]

    def lines_between(self, start: int, end: int) -> list[_Line]:
        return [line for first, last, line in self.spans if first < end and last > start]


def read_check(image, expected=(), *, find_pii: bool = True) -> dict:
    """Read `image` (a path or a PIL image); check each expected (target_type, value) for
    legibility and, with `find_pii`, list the PII-like text it shows."""
    targets = [_prepared(target_type, value) for target_type, value in expected]
    return _checked(read_lines(image), targets, find_pii, ENGINE)


def check_lines(lines, expected=(), *, find_pii: bool = True, engine_name: str = ENGINE) -> dict:
    """`read_check`'s answer for lines another reader gave: (text, confidence, box) each
    (used to measure another engine with the same rules)."""
    targets = [_prepared(target_type, value) for target_type, value in expected]
    read = [_Line(_plain(text), float(confidence), tuple(box)) for text, confidence, box in lines]
    return _checked([line for line in read if line.text], targets, find_pii, engine_name)


def _checked(lines: list["_Line"], targets, find_pii: bool, engine_name: str) -> dict:
    rows = _rows(lines)
    return {
        "engine": engine_name,
        "expected": [_legibility(kind, value, target, rows) for kind, value, target in targets],
        "pii_like": find_pii_like(rows) if find_pii else [],
    }


def read_lines(image) -> list[_Line]:
    """The engine's reading of `image`, boxes in the image's own pixel coordinates."""
    picture = load_image(image)
    scale = 1.0
    if max(picture.size) > READ_EDGE:
        scale = max(picture.size) / READ_EDGE
        shrunk = (round(picture.width / scale), round(picture.height / scale))
        picture = picture.resize(shrunk, Image.Resampling.LANCZOS)
    found, _ = engine()(engine_input(picture), use_cls=False)
    lines = []
    for quad, text, confidence in found or ():
        xs = [point[0] * scale for point in quad]
        ys = [point[1] * scale for point in quad]
        box = (min(xs), min(ys), max(xs), max(ys))
        lines.append(_Line(_plain(text), float(confidence), box))
    return [line for line in lines if line.text]


def load_image(image) -> Image.Image:
    """An RGB copy of `image` (a path or a PIL image), refused when it is not an image or
    holds more than MAX_PIXELS; a file's EXIF orientation is applied (as a browser shows
    it). Transparent pixels are laid on white."""
    if isinstance(image, str | Path):
        return _open_file(Path(image))
    if not isinstance(image, Image.Image):
        raise ReadingError(f"expected a path or a PIL image, not {type(image).__name__}")
    _check_pixels(image.width, image.height)
    return _rgb(image)


def engine_input(picture: Image.Image) -> np.ndarray:
    """What the engine is given: the pixels as a BGR array (OpenCV's order)."""
    return np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])


def engine():
    """The OCR engine of this process, loaded on first use."""
    with _ENGINE_LOCK:
        return _load_engine()


_ENGINE_LOCK = threading.Lock()


@functools.cache
def _load_engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise ReadingError(
            f"the OCR engine ({ENGINE}) is not installed; pip install 'mmprivacy[reading]'"
        ) from None
    threads = engine_threads()
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def engine_threads() -> int:
    """MMP_READING_THREADS, else the cores this process may use, at most MAX_THREADS."""
    configured = os.environ.get("MMP_READING_THREADS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ReadingError(
                f"MMP_READING_THREADS={configured!r}: give a whole number of 1 or more"
            )
        return int(configured)
    return max(1, min(MAX_THREADS, len(os.sched_getaffinity(0))))


def installed_engine() -> str:
    """The engine as installed (package and version), to compare with ENGINE."""
    return f"{ENGINE_PACKAGE} {metadata.version(ENGINE_PACKAGE)}"


def _plain(text) -> str:
    """OCR text in compatibility form: the engine reads some signs as their full-width
    twins (`）`, `＠`), which NFKC turns into the ASCII ones."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _open_file(path: Path) -> Image.Image:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ReadingError(f"{path} is a folder; give an image file")
        if size > MAX_FILE_BYTES:
            raise ReadingError(f"{path} is {size} bytes; at most {MAX_FILE_BYTES} are read")
        with Image.open(path) as opened:
            _check_pixels(opened.width, opened.height)
            return _rgb(ImageOps.exif_transpose(opened))
    except FileNotFoundError:
        raise ReadingError(f"{path} does not exist; check the path") from None
    except UnidentifiedImageError:
        raise ReadingError(f"{path} is not an image Pillow can read") from None
    except Image.DecompressionBombError:
        raise ReadingError(f"{path} holds too many pixels (at most {MAX_PIXELS})") from None
    except OSError as error:
        raise ReadingError(f"cannot read {path}: {error}") from None


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ReadingError(f"the image is {width}x{height}: at most {MAX_PIXELS} pixels are read")
    if width < 1 or height < 1:
        raise ReadingError("the image is empty")


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _prepared(target_type: str, value: str):
    if target_type not in TARGET_TYPES:
        raise ReadingError(f"unknown target type {target_type!r}; expected one of {TARGET_TYPES}")
    try:
        return target_type, value, prepare_target(target_type, str(value))
    except TargetError as error:
        raise ReadingError(str(error)) from None


# Rows and the copies of their text that undo OCR's slips.


def _rows(lines: list[_Line]) -> list[_Row]:
    """Lines grouped into rows (left to right), each line in exactly one row."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: (line.box[0], line.box[1])):
        for row in rows:
            if _continues(row[-1], line):
                row.append(line)
                break
        else:
            rows.append([line])
    built = []
    for row in rows:
        text, spans = "", []
        for line in row:
            if text:
                text += " "
            spans.append((len(text), len(text) + len(line.text), line))
            text += line.text
        built.append(_Row(text, tuple(spans)))
    return sorted(built, key=lambda row: (row.spans[0][2].box[1], row.spans[0][2].box[0]))


def _continues(left: _Line, right: _Line) -> bool:
    height = min(left.box[3] - left.box[1], right.box[3] - right.box[1])
    overlap = min(left.box[3], right.box[3]) - max(left.box[1], right.box[1])
    gap = right.box[0] - left.box[2]
    return height > 0 and overlap > height / 2 and -height < gap < _ROW_GAP * height


def _fix_numbers(text: str) -> str:
    """Digit lookalikes inside numbers turned to digits (same length: offsets still hold)."""

    def fix(found: re.Match) -> str:
        token = found.group()
        real = sum(char.isdigit() for char in token)
        lookalikes = sum(char in _LOOKALIKE_CHARS for char in token)
        if real >= 4 and lookalikes <= max(1, real // 3):
            return token.translate(_DIGIT_LOOKALIKES)
        return token

    return _NUMBERISH.sub(fix, text)


def _unglued_texts(text: str) -> list[str]:
    """`text`, then each address-like token in it from every start, so that a label
    glued to an address is cut off (`Emailjon12@example.net`). (Digits glued to letters
    need no such copy: only digits glued to digits break a number.)"""
    copies = [text]
    for found in re.finditer(r"\S+@\S+", text):
        token = found.group()
        at = token.index("@")
        copies.extend(token[start:] for start in range(1, at))
    return copies


def _email_texts(text: str) -> list[str]:
    """Copies of `text` with `@` lookalikes and spaces around `@` undone."""
    repaired = _SPACED_AT.sub("@", text.translate(_AT_LOOKALIKES))
    squeezed = re.sub(r"\s+", "", repaired)
    return list(dict.fromkeys([text, repaired, squeezed]))


# Legibility.


def _legibility(target_type: str, value: str, target, rows: list[_Row]) -> dict:
    best = None  # (code, evidence, confidence)
    for row in rows:
        for candidate in _candidates(target_type, value, row.text):
            code = _match(target_type, value, target, candidate)
            if code == CODE_FULL or (code == CODE_PARTIAL and best is None):
                evidence = leak_evidence(target, candidate) or candidate
                best = (code, _as_read(row, evidence), _confidence(row, evidence))
                if code == CODE_FULL:
                    break
        if best and best[0] == CODE_FULL:
            break
    code, read, confidence = best or (None, "", 0.0)
    return {
        "type": target_type,
        "value": value,
        "legible": code == CODE_FULL,
        "read": read,
        "confidence": round(confidence, 4),
    }


def _candidates(target_type: str, value: str, text: str) -> list[str]:
    if target_type == "email":
        copies = []
        for repaired in _email_texts(text):
            copies.extend(_unglued_texts(repaired))
            copies.append(_with_dropped_at(value, repaired))
        return list(dict.fromkeys(copy for copy in copies if copy))
    return list(dict.fromkeys([text, _fix_numbers(text)]))


def _with_dropped_at(value: str, text: str) -> str:
    """`text` with the address's `@` put back where OCR dropped it or read one other
    character for it (`jon12example.net`, `jon12aexample.net`); "" when there is none."""
    local, _, domain = value.strip().lower().rpartition("@")
    if not local or not domain:
        return ""
    lowered = text.lower()
    pattern = re.compile(re.escape(local) + r"[^\s@]?" + re.escape(domain))
    repaired = pattern.sub(f"{local}@{domain}", lowered)
    return repaired if repaired != lowered else ""


def _match(target_type: str, value: str, target, text: str) -> int:
    code = target.match(text)
    if code == CODE_FULL or target_type != "email":
        return code
    folded = prepare_target("email", value.lower().translate(_EMAIL_FOLD))
    return CODE_FULL if folded.match(text.lower().translate(_EMAIL_FOLD)) == CODE_FULL else code


def _as_read(row: _Row, evidence: str) -> str:
    """What the engine read where the evidence lies: whole lines as read, so a reviewer
    sees "patrick44@example.0rg", not the matcher's fragment "patrick44"."""
    start = row.text.find(evidence)
    lines = row.lines_between(start, start + len(evidence)) if start >= 0 else []
    return " ".join(line.text for line in lines) or evidence


def _confidence(row: _Row, evidence: str) -> float:
    """The lowest confidence of the lines holding `evidence` (all of the row's when the
    evidence came from a repaired copy that no longer lines up with the row)."""
    start = row.text.find(evidence)
    lines = row.lines_between(start, start + len(evidence)) if start >= 0 else []
    return min(line.confidence for line in (lines or [span[2] for span in row.spans]))


# PII-like text.


def find_pii_like(rows: list[_Row]) -> list[dict]:
    """Every validated email, phone number and SSN in the rows, with its box."""
    found = []
    for row in rows:
        fixed = _fix_numbers(row.text)
        for start, end, kind in [*_emails_in(row.text), *_numbers_in(fixed)]:
            found.append({"type": kind, "text": row.text[start:end], "box": _box(row, start, end)})
    return found


def _emails_in(text: str):
    for found in _EMAIL.finditer(text.translate(_AT_LOOKALIKES)):
        yield found.start(), found.end(), "email"


def _numbers_in(text: str):
    for number in NUMBER_PATTERN.finditer(text):
        runs = [(run.start(), run.group()) for run in _RUN.finditer(number.group())]
        used_until = -1
        for first in range(len(runs)):
            if first <= used_until:
                continue
            for last in range(min(len(runs), first + 4) - 1, first - 1, -1):
                kind = _pii_kind([run for _, run in runs[first : last + 1]])
                if kind:
                    start = number.start() + runs[first][0]
                    end = number.start() + runs[last][0] + len(runs[last][1])
                    yield start, end, kind
                    used_until = last
                    break


def _pii_kind(runs: list[str]) -> str | None:
    """ "ssn" or "phone" when these digit runs are one validated value, else None."""
    shape = tuple(len(run) for run in runs)
    digits = "".join(runs)
    if shape in ((3, 2, 4), (9,)) and _valid_ssn(digits):
        return "ssn"
    if shape and shape[0] == 1 and runs[0] == "1":
        shape, digits = shape[1:], digits[1:]
    elif shape == (11,) and digits.startswith("1"):
        shape, digits = (10,), digits[1:]
    if shape in ((3, 3, 4), (10,), (3, 7)) and _valid_nanp(digits):
        return "phone"
    return None


def _valid_ssn(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _valid_nanp(digits: str) -> bool:
    """NANP shape: area code and exchange start with 2-9, and the area code is no N11."""
    area, exchange = digits[:3], digits[3:6]
    return area[0] in "23456789" and exchange[0] in "23456789" and area[1:] != "11"


def _box(row: _Row, start: int, end: int) -> list[int]:
    lines = row.lines_between(start, end) or [span[2] for span in row.spans]
    return [
        round(min(line.box[0] for line in lines)),
        round(min(line.box[1] for line in lines)),
        round(max(line.box[2] for line in lines)),
        round(max(line.box[3] for line in lines)),
    ]
