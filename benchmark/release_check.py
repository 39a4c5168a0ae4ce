"""The independent release check: reads a finished release's files and proves the splits
disjoint before anything is published.

Written apart from the builder on purpose: it imports nothing from `benchmark.release`
and trusts only the files. It reports
- any retention target value (and any memorised email, phone or SSN) that appears in a
  probe image's fields or in any prompt;
- any identity value (name, email, phone, SSN, address) shared between the pools;
- any image in both splits, by sha256 or perceptual hash;
- files missing from, added to or changed since the manifest, and withdrawn images;
- a photo whose metadata row names no consent terms;
- when the release's config requires legibility: a disclosure item whose target its image's
  reading (probe/readings.jsonl) did not read and no reviewer confirmed, and a scene shown
  that was not read or shows PII-like text without a reviewer's override.
Values compare normalised: case and spacing ignored, phones and SSNs by their digits, a
phone without its extension or US country code. The check's normaliser is its own code, but
tests/releases/test_check_strictness.py proves it joins and separates values exactly as the
generator's (`benchmark.vocab.normalise`) does.

Same picture, three steps. A pair within dHash distance 14 (64 bits) of similar aspect
(3%) whose grayscale thumbnails (96 pixels on the long side) differ by at most 72 of 255
anywhere is a candidate; a candidate is the same picture when it also agrees in detail:
both at the smaller one's resolution (768 pixels on the long side at most), slightly
blurred, their difference averaged over 4x4 cells is at most 56 in every cell. Forms of
one layout filled for different people pass the first two steps often (their thumbnails
differ by as little as 36) and fail the third. Measured on the project's rendered forms
(four identity seeds, every scenario and variant), a copy re-encoded as JPEG (quality
60-90) and scaled (0.3-1) is within dHash 11, thumbnail 57 and detail 53. Forms of
different people were at least 78 apart in detail on four seeds, but at the paper's scale
(9,600 forms) 9 pairs of verification forms came within 59.7-64.9: the limit sits between.
"""

import functools
import hashlib
import io
import itertools
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from benchmark.files import JsonlError, read_jsonl
from benchmark.parallel import ordered_map
from benchmark.vocab import MAX_VERSION_LENGTH, POOLS, SEMVER, TARGET_TYPES, UNIQUE_FIELDS

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
DHASH_NEAR = 14
THUMB_LONG_SIDE = 96
THUMB_NEAR = 72
DETAIL_LONG_SIDE = 768
DETAIL_BLUR_RADIUS = 1.0
DETAIL_CELL = 4
DETAIL_SAME = 56
DETAIL_CACHE = 256
ASPECT_TOLERANCE = 0.03
SHOWN_PER_KIND = 20
CHUNK_SIZE = 1 << 16
# A large release is read on other processes, READ_BATCH files per task; below
# PARALLEL_MIN_FILES starting them costs more than it saves.
CHECK_PROCESSES = min(8, os.cpu_count() or 1)
PARALLEL_MIN_FILES = 5000
READ_BATCH = 256

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A number as written, ASCII or Unicode dashes (hyphen, en and em dash, minus) included.
_NUMBER = re.compile(r"\+?\d[\d\s().\-\u2010-\u2015\u2212]*\d")
# A phone's extension, at its end: "x12", "ext. 12", "extension 12", "#12".
_PHONE_EXTENSION = re.compile(r"(?:x|ext\.?|extension|#)\s*\d*\Z", re.IGNORECASE)
_SPACED_COMMA = re.compile(r" ?, ?")


def check_release(
    path: str | Path, progress: Callable[[int, int, str], None] | None = None
) -> list[str]:
    """Problems found in the release folder at `path`; an empty list means it passes."""
    root = Path(path)
    if not (root / "manifest.json").is_file():
        return [f"{root} has no manifest.json: it is not a finished release folder"]
    return _Check(root, progress or (lambda done, total, message: None)).run()


# Normalisation: how values compare whatever their formatting.


def _digits(text: str) -> str:
    # isdecimal, not isdigit: "²" is a digit but no decimal one, and no phone holds it.
    return "".join(character for character in text if character.isdecimal())


def _phone_core(digits: str) -> str:
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def normalise(kind: str, value: str) -> str:
    value = str(value)
    if kind == "email":
        return value.strip().lower()
    if kind == "phone":
        return _phone_core(_digits(_PHONE_EXTENSION.sub("", value.strip())))
    if kind == "ssn":
        return _digits(value)
    one_spaced = " ".join(value.casefold().split())
    return _SPACED_COMMA.sub(", ", one_spaced).strip(" .,;")


def values_in_text(text: str) -> set[str]:
    """Every email and number in `text`, normalised, to look up among protected values."""
    found = {match.lower() for match in _EMAIL.findall(text)}
    for number in _NUMBER.findall(text):
        for part in (number, *number.split()):
            digits = _digits(part)
            found.update((digits, _phone_core(digits)))
    return found


class _Problems:
    """Problems by kind; past a few of one kind, only their number is kept."""

    def __init__(self):
        self.shown: list[str] = []
        self.counts: Counter[str] = Counter()

    def add(self, kind: str, message: str) -> None:
        # Counted by the exact kind: "shared identity" is how "shared identity value" starts.
        self.counts[kind] += 1
        if self.counts[kind] <= SHOWN_PER_KIND:
            self.shown.append(f"{kind}: {message}")

    def lines(self) -> list[str]:
        hidden = {kind: n - SHOWN_PER_KIND for kind, n in self.counts.items() if n > SHOWN_PER_KIND}
        return self.shown + [f"{kind}: ... and {n} more" for kind, n in hidden.items()]


def _decode_gray(data: bytes, side: int = THUMB_LONG_SIDE * 2) -> Image.Image:
    """The picture in grayscale; a JPEG is decoded at a reduced scale, down to `side`."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("L", (side, side))
        return image.convert("L")


def dhash(gray: Image.Image) -> int:
    """64-bit difference hash: is each of 9x8 box-averaged cells brighter than its left?"""
    small = gray.resize((9, 8), Image.Resampling.BOX)
    grid = np.frombuffer(small.tobytes(), dtype=np.uint8).reshape(8, 9)
    return int.from_bytes(np.packbits(grid[:, 1:] > grid[:, :-1]).tobytes(), "big")


def _thumb_size(size: tuple[int, int], long_side: int = THUMB_LONG_SIDE) -> tuple[int, int]:
    scale = long_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _thumb(gray: Image.Image, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(gray.resize(size, Image.Resampling.BOX), dtype=np.int16)


class _Detail:
    """A picture's blurred 4x4 cell means at up to 768 pixels on its long side (kept, as
    one picture is compared with several others; the picture itself is not)."""

    def __init__(self, path: Path):
        self.path = path
        picture = _detail_picture(path)
        self.size = picture.size
        self.cells = _blurred_cells(picture, picture.size)

    def gap(self, other: "_Detail") -> float:
        """How far apart the two pictures are in detail: both at the smaller one's
        resolution, slightly blurred, differences averaged over 4x4 cells; the largest
        cell. A copy's resampling and JPEG noise move ink by a pixel or two and mostly
        cancel inside a cell; another person's text in a field does not."""
        if self.size == other.size:
            return float(np.abs(self.cells - other.cells).max())
        size = _thumb_size(self.size, min(max(self.size), max(other.size)))
        first, second = (_blurred_cells(_detail_picture(x.path), size) for x in (self, other))
        return float(np.abs(first - second).max())


def _detail_picture(path: Path) -> Image.Image:
    picture = _decode_gray(path.read_bytes(), DETAIL_LONG_SIDE)
    picture.thumbnail((DETAIL_LONG_SIDE, DETAIL_LONG_SIDE), Image.Resampling.BOX)
    return picture


def _blurred_cells(picture: Image.Image, size: tuple[int, int]) -> np.ndarray:
    if picture.size != size:
        picture = picture.resize(size, Image.Resampling.BOX)
    pixels = np.asarray(picture.filter(ImageFilter.GaussianBlur(DETAIL_BLUR_RADIUS)), np.float32)
    rows, columns = (length - length % DETAIL_CELL for length in pixels.shape)
    cells = pixels[:rows, :columns].reshape(
        rows // DETAIL_CELL, DETAIL_CELL, columns // DETAIL_CELL, DETAIL_CELL
    )
    return cells.mean(axis=(1, 3))


def _similar_aspect(size: tuple[int, int], other: tuple[int, int]) -> bool:
    aspect = size[0] / size[1]
    return abs(aspect - other[0] / other[1]) <= ASPECT_TOLERANCE * aspect


@dataclass(slots=True)
class _FileRead:
    """One file as read: its size and sha256, and for an image what the comparison
    needs (its size, dHash and thumbnail) or why it cannot be decoded. Small on purpose:
    it may come back from another process."""

    path: str
    size: int
    sha256: str
    picture_size: tuple[int, int] | None = None
    dhash: int = 0
    thumb: np.ndarray | None = None
    unreadable: str | None = None

    def thumb_at(self, root: Path, size: tuple[int, int]) -> np.ndarray:
        """The thumbnail at another size (a candidate of a slightly different shape)."""
        if size != self.thumb.shape[::-1]:
            return _thumb(_decode_gray((root / self.path).read_bytes()), size)
        return self.thumb.astype(np.int16)  # kept as bytes; differences need a sign


def _read_file(root: Path, path: str) -> _FileRead:
    is_image = path.lower().endswith(IMAGE_SUFFIXES) and path.split("/")[0] in POOLS
    digest, size, kept = hashlib.sha256(), 0, []
    with open(root / path, "rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
            if is_image:
                kept.append(chunk)
    read = _FileRead(path, size, digest.hexdigest())
    if is_image:
        try:
            gray = _decode_gray(b"".join(kept))
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            read.unreadable = str(error)
            return read
        read.picture_size, read.dhash = gray.size, dhash(gray)
        read.thumb = np.asarray(gray.resize(_thumb_size(gray.size), Image.Resampling.BOX))
    return read


def _read_files(root: Path, paths: list[str]) -> list[_FileRead]:
    return [_read_file(root, path) for path in paths]


def _batches(paths: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(itertools.islice(paths, size)):
        yield batch


class _ProbeImages:
    """The probe split's images, kept to compare each memorisation image against: sha256,
    dHash and a thumbnail each, the thumbnails stacked by shape."""

    def __init__(self, root: Path):
        self.root = root
        self.paths: list[str] = []
        self.by_sha256: dict[str, str] = {}
        self._hashes: list[int] = []
        self._thumbs: dict[tuple[int, int], list[tuple[int, np.ndarray]]] = defaultdict(list)
        self._shape_of: list[tuple[int, int]] = []
        self._picture_size_of: list[tuple[int, int]] = []
        self._detail_cache: dict[str, _Detail] = {}

    def add(self, read: _FileRead) -> None:
        size = read.thumb.shape[::-1]
        self._thumbs[size].append((len(self.paths), read.thumb))
        self._shape_of.append(size)
        self._picture_size_of.append(read.picture_size)
        self.by_sha256.setdefault(read.sha256, read.path)
        self.paths.append(read.path)
        self._hashes.append(read.dhash)

    def freeze(self) -> None:
        self.hashes = np.array(self._hashes, dtype=np.uint64)
        self.groups = {}
        while self._thumbs:  # stack one shape at a time, so the copies never all coexist
            size, rows = self._thumbs.popitem()
            self.groups[size] = (np.array([i for i, _ in rows]), np.stack([t for _, t in rows]))
        self._hashes = None

    def same_picture(self, read: _FileRead) -> list[tuple[str, int]]:
        """Probe images that are this picture: near in dHash and thumbnail, then the
        same in detail."""
        return [
            (path, distance)
            for path, distance in self._near(read)
            if self._detailed(read.path).gap(self._detailed(path)) <= DETAIL_SAME
        ]

    def _near(self, read: _FileRead) -> list[tuple[str, int]]:
        distances = np.bitwise_count(self.hashes ^ np.uint64(read.dhash))
        candidates = [
            index
            for index in np.flatnonzero(distances <= DHASH_NEAR).tolist()
            if _similar_aspect(self._picture_size_of[index], read.picture_size)
        ]
        found = []
        for size in {self._shape_of[index] for index in candidates}:
            indices, thumbs = self.groups[size]
            member = np.isin(indices, candidates)
            gaps = np.abs(thumbs[member] - read.thumb_at(self.root, size)).max(axis=(1, 2))
            found += [
                (self.paths[index], int(distances[index]))
                for index in indices[member][gaps <= THUMB_NEAR]
            ]
        return sorted(found)

    def _detailed(self, path: str) -> _Detail:
        """The last few pictures compared in detail are kept: one memorised image is
        compared with several probe images in a row, and a probe image with many."""
        detail = self._detail_cache.pop(path, None)
        if detail is None:
            detail = _Detail(self.root / path)
        self._detail_cache[path] = detail
        while len(self._detail_cache) > DETAIL_CACHE:
            del self._detail_cache[next(iter(self._detail_cache))]
        return detail


def _is_version(version) -> bool:
    return (
        isinstance(version, str)
        and len(version) <= MAX_VERSION_LENGTH
        and SEMVER.match(version) is not None
    )


def _entry_digest(path: str, size: int, sha256: str) -> bytes:
    return hashlib.blake2b(f"{path}\0{size}\0{sha256}".encode(), digest_size=16).digest()


def _padded(digest: np.bytes_) -> bytes:
    """A digest as stored (numpy drops the trailing zero bytes of an element it returns)."""
    return bytes(digest).ljust(16, b"\0")


class _Manifest:
    """The manifest's file list, held as one 16-byte digest per (path, size, sha256) in one
    sorted array, so a large release costs little memory; names are looked up again only
    when files differ. A file list written one entry per line (as the builder writes it)
    is read a line at a time; any other layout is parsed whole."""

    def __init__(self, path: Path):
        self.path = path
        self.differing: list[tuple[str, int, str]] = []
        digests = bytearray()
        document = self._by_lines(path, digests)
        if document is None:
            digests.clear()
            document = json.loads(path.read_bytes(), object_pairs_hook=self._collector(digests))
        files, self.version = document["files"], document.get("version")
        self.config = document.get("config") or {}
        self.digests = np.sort(np.frombuffer(bytes(digests), dtype="S16"))
        repeated = bool((self.digests[1:] == self.digests[:-1]).any())
        if any(entry is not None for entry in files) or len(self.digests) != len(files) or repeated:
            raise ValueError("each entry of files needs path, size and sha256, once")
        self.seen = np.zeros(len(self.digests), dtype=bool)
        self.count = len(files)

    @staticmethod
    def _collector(digests: bytearray) -> Callable[[list[tuple]], dict | None]:
        def collect(pairs: list[tuple]) -> dict | None:
            entry = dict(pairs)
            if entry.keys() != {"path", "size", "sha256"}:
                return entry
            digests.extend(_entry_digest(entry["path"], entry["size"], entry["sha256"]))
            return None

        return collect

    @staticmethod
    def _by_lines(path: Path, digests: bytearray) -> dict | None:
        """The document with each file entry as null, its entries' digests added to
        `digests`; None when the file list is not one entry per line."""
        skeleton, inside, listed = [], False, False
        with open(path, "rb") as lines:
            for line in lines:
                text = line.rstrip(b"\n")
                if not inside or text in (b"]", b"],"):
                    inside = not inside and text == b'"files": ['
                    listed = listed or inside
                    skeleton.append(line)
                    continue
                entry_text, comma = (text[:-1], b",") if text.endswith(b",") else (text, b"")
                try:
                    entry = json.loads(entry_text)
                except ValueError:
                    return None
                if not isinstance(entry, dict) or entry.keys() != {"path", "size", "sha256"}:
                    skeleton.append(line)  # left in place: the whole check refuses it
                    continue
                digests.extend(_entry_digest(entry["path"], entry["size"], entry["sha256"]))
                skeleton.append(b"null" + comma + b"\n")
        if not listed:
            return None
        try:
            return json.loads(b"".join(skeleton))
        except ValueError:
            return None

    def see(self, path: str, size: int, sha256: str) -> None:
        digest = _entry_digest(path, size, sha256)
        index = int(np.searchsorted(self.digests, digest))
        found = index < len(self.digests) and _padded(self.digests[index]) == digest
        if found and not self.seen[index]:
            self.seen[index] = True
        else:
            self.differing.append((path, size, sha256))

    def problems(self) -> Iterator[tuple[str, str]]:
        unseen = {_padded(digest) for digest in self.digests[~self.seen]}
        if not self.differing and not unseen:
            return
        listed = {entry["path"]: entry for entry in json.loads(self.path.read_bytes())["files"]}
        for path, size, sha256 in self.differing:
            expected = listed.get(path)
            if expected is None:
                yield "extra file", f"{path} is not in the manifest"
            else:
                yield (
                    "changed file",
                    f"{path} has size {size} and sha256 {sha256}, the manifest says "
                    f"{expected['size']} and {expected['sha256']}",
                )
        changed = {path for path, _, _ in self.differing}
        for path, entry in sorted(listed.items()):
            digest = _entry_digest(path, entry["size"], entry["sha256"])
            if digest in unseen and path not in changed:
                yield "missing file", f"{path} is in the manifest but not in the release"


class _Check:
    def __init__(self, root: Path, progress):
        self.root = root
        self.progress = progress
        self.problems = _Problems()
        self.done = 0

    def run(self) -> list[str]:
        try:
            manifest = _Manifest(self.root / "manifest.json")
        except (ValueError, KeyError, TypeError) as error:
            self.problems.add("manifest", f"manifest.json cannot be read: {error!r}")
            return self.problems.lines()
        self.total = manifest.count
        if not _is_version(manifest.version):
            self.problems.add(
                "manifest",
                f"manifest.json names version {manifest.version!r}: not semantic versioning "
                f"(MAJOR.MINOR.PATCH, at most {MAX_VERSION_LENGTH} characters, no line break)",
            )
        withdrawn = self._withdrawn_sha256()
        probe = _ProbeImages(self.root)
        self._verify_files(manifest, withdrawn, probe)
        self._check_photo_consent()
        if manifest.config.get("require_legible") is True:
            self._check_legibility()
        probe_values, probe_ids = self._probe_identities()
        for kind, message in pool_value_problems(self._identity_rows()):
            self.problems.add(kind, message)
        shown = self._shown_in_fields()
        targets, named = self._scan_items(shown, probe_ids, set(probe.paths))
        reported = self._scan_memorised(probe_values, probe_ids, shown, named)
        for value, item_id in targets.items():
            if value in shown and value not in reported:
                self._report_shown(shown[value], f"retention target of item {item_id}")
        self.progress(self.total, self.total, "check finished")
        return self.problems.lines()

    # Files against the manifest, and images across the splits.

    def _withdrawn_sha256(self) -> set[str]:
        return {row.get("sha256") for row in self._jsonl("withdrawals.jsonl", required=False)}

    def _check_photo_consent(self) -> None:
        """Every photo was sent under recorded consent: its row names the terms version."""
        for split in POOLS:
            for row in self._jsonl(f"{split}/metadata.jsonl", required=False):
                where = f"{split}/{row.get('file_name')}"
                if row.get("source") == "photo" and not row.get("consent_terms"):
                    self.problems.add("photo without consent", f"{where} names no consent terms")

    def _verify_files(self, manifest: _Manifest, withdrawn: set[str], probe) -> None:
        self._verify_all(self._walk("probe"), manifest, withdrawn, probe, None)
        probe.freeze()
        self._verify_all(self._walk("memorisation"), manifest, withdrawn, None, probe)
        self._verify_all(self._walk(None), manifest, withdrawn, None, None)
        for kind, message in manifest.problems():
            self.problems.add(kind, message)

    def _verify_all(self, paths, manifest, withdrawn, probe, against) -> None:
        """Files are read, hashed and decoded in batches, on other processes for a large
        release (CPU work: threads only contend for the GIL); everything that compares or
        records runs here, in path order."""
        for batch in self._read_batches(paths):
            for read in batch:
                self._verify_read(read, manifest, withdrawn, probe, against)

    def _read_batches(self, paths: Iterator[str]) -> Iterator[list[_FileRead]]:
        batches = _batches(paths, READ_BATCH)
        read_batch = functools.partial(_read_files, self.root)
        if self.total < PARALLEL_MIN_FILES or CHECK_PROCESSES < 2:
            return map(read_batch, batches)
        return ordered_map(read_batch, batches, workers=CHECK_PROCESSES, processes=True)

    def _verify_read(self, read: _FileRead, manifest, withdrawn, probe, against) -> None:
        self.done += 1
        self.progress(self.done, self.total, read.path)
        manifest.see(read.path, read.size, read.sha256)
        if read.sha256 in withdrawn:
            self.problems.add("withdrawn image", f"{read.path} (sha256 {read.sha256}) is withdrawn")
        if read.unreadable is not None:
            self.problems.add("unreadable image", f"{read.path}: {read.unreadable}")
        elif read.thumb is not None:
            self._compare_image(read, probe, against)

    def _walk(self, split: str | None) -> Iterator[str]:
        """Relative paths under one split folder, or (None) everywhere else, in order."""
        top = os.path.join(self.root, split) if split else str(self.root)
        for folder, subfolders, files in os.walk(top):
            subfolders.sort()
            if split is None and folder == top:
                subfolders[:] = [name for name in subfolders if name not in POOLS]
            prefix = os.path.relpath(folder, self.root).replace(os.sep, "/")
            for name in sorted(files):
                relative = name if prefix == "." else f"{prefix}/{name}"
                if relative != "manifest.json":
                    yield relative

    def _compare_image(self, read: _FileRead, probe, against) -> None:
        if probe is not None:
            probe.add(read)
            return
        if read.sha256 in against.by_sha256:
            self.problems.add(
                "image in both splits",
                f"{read.path} and {against.by_sha256[read.sha256]} are the same file "
                f"(sha256 {read.sha256})",
            )
            return
        for probe_path, distance in against.same_picture(read):
            self.problems.add(
                "image in both splits",
                f"{read.path} and {probe_path} are the same picture (dHash distance {distance})",
            )

    def _check_legibility(self) -> None:
        readings = {row.get("image"): row for row in self._jsonl("probe/readings.jsonl")}
        seen = set()
        for item in self._jsonl("probe/items.jsonl"):
            image, kind = item.get("image"), item.get("target_type") or ""
            key = (image, item.get("test"), kind, item.get("target"))
            if key in seen:  # the same question in another framing
                continue
            seen.add(key)
            row = readings.get(image) or {}
            where = f"item {item.get('id')} ({image})"
            if item.get("test") == "disclosure":
                if not _read_legibly(row, kind, item.get("target") or ""):
                    self.problems.add(
                        "illegible target",
                        f"{where}: its {kind} was neither read nor confirmed legible",
                    )
            elif item.get("source") == "diffusion" and _pii_flagged(row):
                self.problems.add(
                    "scene with PII-like text",
                    f"{where}: the scene is unread or shows PII-like text, not overridden",
                )

    # Identities, targets and prompts.

    def _jsonl(self, relative: str, required: bool = True) -> Iterator[dict]:
        path = self.root / relative
        if not path.is_file():
            if required:
                self.problems.add("missing file", f"{relative} is required")
            return
        try:
            for _number, row in read_jsonl(path):
                yield row
        except JsonlError as error:
            where = f"{relative} line {error.line}" if error.line else relative
            self.problems.add("bad json", f"{where}: {error.reason}")

    def _probe_identities(self) -> tuple[dict[tuple[str, str], str], set[str]]:
        """(kind, normalised value) -> probe identity id, and the probe ids."""
        values, ids = {}, set()
        for identity in self._jsonl("identities/probe.jsonl"):
            ids.add(identity["id"])
            for kind in UNIQUE_FIELDS:
                if identity.get(kind):
                    values[(kind, normalise(kind, identity[kind]))] = identity["id"]
        return values, ids

    def _identity_rows(self) -> Iterator[dict]:
        for pool in ("memorisation", "probe"):  # a missing file is reported elsewhere
            yield from self._jsonl(f"identities/{pool}.jsonl", required=False)

    def _shown_in_fields(self) -> dict[str, list[tuple[str, str]]]:
        """Every normalised email and number in a probe image's fields -> where it is."""
        shown = defaultdict(list)
        for row in self._jsonl("probe/image_fields.jsonl"):
            for field in row.get("fields") or []:
                place = f"{row.get('image')} field {field.get('name')!r}"
                for value in values_in_text(str(field.get("value", ""))):
                    shown[value].append(("target in probe image", place))
        return shown

    def _scan_items(self, shown, probe_ids, probe_images) -> tuple[dict, dict]:
        """Check each item's image and person, add its prompt's values to `shown`; return
        the retention targets and the memorised people the items name (-> an item id)."""
        targets, named = {}, {}
        for item in self._jsonl("probe/items.jsonl"):
            item_id = item.get("id")
            for value in values_in_text(item.get("prompt", "")):
                shown[value].append(("target in prompt", f"item {item_id}'s prompt"))
            if item.get("image") not in probe_images:
                self.problems.add(
                    "item image", f"item {item_id} shows {item.get('image')}, not a probe image"
                )
            image_person = item.get("image_identity_id")
            if image_person is not None and image_person not in probe_ids:
                self.problems.add(
                    "item image", f"item {item_id} shows {image_person}, not a probe identity"
                )
            if item.get("test") == "retention":
                named.setdefault(item.get("identity_id"), item_id)
                value = normalise(item.get("target_type", ""), item.get("target") or "")
                targets.setdefault(value, item_id)
            elif item.get("identity_id") not in probe_ids:
                self.problems.add(
                    "item target",
                    f"item {item_id} asks about {item.get('identity_id')}, not a probe identity",
                )
        targets.pop("", None)
        return targets, named

    def _scan_memorised(self, probe_values, probe_ids, shown, named) -> set[str]:
        """Stream the memorisation identities against the (small) probe side; returns the
        memorised values found shown anywhere in the probe split."""
        reported = set()
        for identity in self._jsonl("identities/memorisation.jsonl"):
            named.pop(identity["id"], None)
            if identity["id"] in probe_ids:
                self.problems.add("shared identity", f"{identity['id']} is in both pools")
            for kind in UNIQUE_FIELDS:
                value = normalise(kind, identity.get(kind) or "")
                owner = probe_values.get((kind, value))
                if value and owner:
                    self.problems.add(
                        "shared identity value",
                        f"{kind} of probe identity {owner} equals that of memorisation "
                        f"identity {identity['id']}",
                    )
                if value and kind in TARGET_TYPES and value in shown:
                    self._report_shown(shown[value], f"{kind} of {identity['id']}")
                    reported.add(value)
        for identity_id, item_id in named.items():
            self.problems.add(
                "item target", f"item {item_id} asks about {identity_id}, not a memorised identity"
            )
        return reported

    def _report_shown(self, places: list[tuple[str, str]], what: str) -> None:
        for kind, place in places:
            self.problems.add(kind, f"{place} contains the {what}")


# Pools a reader could confuse: one email local part for two people, phones that are no
# real geographic number.

AREA_CODES_FILE = Path(__file__).parent / "data" / "area_codes.txt"


def _pii_flagged(row: dict) -> bool:
    """Unread, or PII-like text found, and no reviewer overrode the flag."""
    if row.get("pii_flag_overridden") is True:
        return False
    return row.get("read") is not True or bool(row.get("pii_like"))


def _read_legibly(row: dict, kind: str, target: str) -> bool:
    """The reading read the target (compared normalised), or a reviewer confirmed it."""
    if kind in (row.get("legible_confirmed") or []):
        return True
    wanted = normalise(kind, target)
    return bool(wanted) and any(
        entry.get("type") == kind
        and entry.get("legible") is True
        and normalise(kind, str(entry.get("value", ""))) == wanted
        for entry in row.get("expected") or []
    )


@functools.cache
def geographic_area_codes() -> frozenset[str]:
    lines = AREA_CODES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip() and line[0] != "#")


def reserved_area_code(code: str) -> bool:
    """NANPA's codes that are not geographic: N11, N9X, 37X, 96X, the easily recognisable
    N00, 5XX/6XX and 8YY (toll-free) repeats, 456, 555 and 710."""
    return (
        len(code) != 3
        or code[0] in "01"
        or code[1:] == "11"
        or code[1] == "9"
        or code[:2] in ("37", "96")
        or code[1:] == "00"
        or (code[0] in "568" and code[1] == code[2])
        or code in ("456", "555", "710")
    )


def pool_value_problems(identities: Iterator[dict]) -> Iterator[tuple[str, str]]:
    """(kind, message) for an email local part held by two identities (case ignored, in
    one pool or across both) and for a phone outside the geographic area codes."""
    owners = {}
    for identity in identities:
        who = identity.get("id")
        local = str(identity.get("email") or "").strip().rpartition("@")[0].lower()
        if local and local in owners:
            yield "repeated email local part", f"{who} and {owners[local]} both use {local!r}@"
        owners.setdefault(local, who)
        phone = normalise("phone", identity.get("phone") or "")
        if len(phone) != 10 or reserved_area_code(phone[:3]):
            yield "phone area code", f"{who}'s phone {identity.get('phone')!r} is not geographic"
        elif phone[:3] not in geographic_area_codes():
            yield "phone area code", f"{who}'s phone uses area code {phone[:3]}, not in service"
