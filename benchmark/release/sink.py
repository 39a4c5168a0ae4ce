"""Where a release's files go while it is built, and how it is published.

A sink receives every file of the release by its path relative to the release root,
streamed (never a whole split in memory), and publishes the finished release in one step.
`LocalSink` writes to a staging folder and publishes with one `os.rename`. Another sink
(the site's S3 one) implements the same six methods.
"""

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol

from benchmark.release.config import ImageRecord, ReleaseExistsError

CHUNK_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a release as the manifest lists it."""

    path: str
    size: int
    sha256: str


class ReleaseSink(Protocol):
    def stored_size(self, rel_path: str, sha256: str) -> int | None:
        """The size of the file already stored at `rel_path` when its bytes have this
        sha256 (an interrupted build resumes by skipping it); None otherwise."""

    def write_bytes(self, rel_path: str, data: bytes | Iterable[bytes]) -> FileEntry:
        """Store `data` (bytes, or chunks streamed in order) at `rel_path`."""

    def copy_image(self, rel_path: str, record: ImageRecord) -> FileEntry:
        """Store the image's bytes exactly as the site holds them (never re-encoded)."""

    def published_manifest(self) -> bytes | None:
        """The manifest of the release already published at the destination, if any."""

    def check(self, progress=None) -> list[str]:
        """Run the independent release check on the staged files; problems, or []."""

    def publish(self) -> None:
        """Make the staged release visible at the destination in one step."""


class LocalSink:
    """Stages a release in a local folder and publishes it by renaming it to `out_dir`."""

    def __init__(self, staging_dir: str | Path, out_dir: str | Path):
        self.root = Path(staging_dir)
        self.out_dir = Path(out_dir)

    def stored_size(self, rel_path: str, sha256: str) -> int | None:
        try:
            with open(self.root / rel_path, "rb") as stream:
                entry = _stream_to(rel_path, stream, None)
        except FileNotFoundError:
            return None
        return entry.size if entry.sha256 == sha256 else None

    def write_bytes(self, rel_path: str, data: bytes | Iterable[bytes]) -> FileEntry:
        chunks = [data] if isinstance(data, bytes) else data
        with self._create(rel_path) as out:
            return _chunks_to(rel_path, chunks, out)

    def copy_image(self, rel_path: str, record: ImageRecord) -> FileEntry:
        opener = partial(open, record.local_path, "rb") if record.local_path else record.open
        with opener() as source, self._create(rel_path) as out:
            return _stream_to(rel_path, source, out)

    def published_manifest(self) -> bytes | None:
        if not self.out_dir.exists():
            return None
        manifest = self.out_dir / "manifest.json"
        if manifest.is_file():
            return manifest.read_bytes()
        if self.out_dir.is_dir() and not any(self.out_dir.iterdir()):
            return None
        raise ReleaseExistsError(
            f"{self.out_dir} exists and is neither empty nor a published release; "
            "choose a new folder for the release"
        )

    def check(self, progress=None) -> list[str]:
        from benchmark.release_check import check_release

        return check_release(self.root, progress=progress)

    def publish(self) -> None:
        if self.out_dir.is_dir() and not any(self.out_dir.iterdir()):
            self.out_dir.rmdir()
        os.rename(self.root, self.out_dir)

    def _create(self, rel_path: str) -> BinaryIO:
        path = self.root / rel_path
        try:
            return open(path, "wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return open(path, "wb")


def _stream_to(rel_path: str, source: BinaryIO, out: BinaryIO | None) -> FileEntry:
    return _chunks_to(rel_path, iter(lambda: source.read(CHUNK_SIZE), b""), out)


def _chunks_to(rel_path: str, chunks: Iterable[bytes], out: BinaryIO | None) -> FileEntry:
    """Hash the chunks (and write them to `out` when given) without joining them."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return FileEntry(rel_path, size, digest.hexdigest())
