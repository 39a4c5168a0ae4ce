"""Where a release's files go while it is built, and how it is published.

A sink receives every file of the release by its path relative to the release root,
streamed (never a whole split in memory), and publishes the finished release in one step.
Every sink stages the files in a local folder; `LocalSink` publishes with one
`os.rename`, the site's S3 sink by uploading to a prefix. The caller hands the builder a
sink (or a folder, for a `LocalSink`) and never sees the staging layout.
"""

import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from benchmark.release.config import ImageRecord, ReleaseExistsError

CHUNK_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a release as the manifest lists it."""

    path: str
    size: int
    sha256: str


class ReleaseSink(ABC):
    """Where a release goes. Every sink stages the release's files in a local folder (the
    independent check must read the real bytes), `root` under `staging_root`; the builder
    keeps its resume state beside it. A sink says how a published release is found and
    how the staged one is published; `name` names the destination in messages."""

    def __init__(self, staging_root: str | Path, name: str):
        self.staging_root = Path(staging_root).absolute()
        self.root = self.staging_root / "release"
        self.name = name

    @abstractmethod
    def published_manifest(self) -> bytes | None:
        """The manifest of the release already published at the destination, if any."""

    @abstractmethod
    def publish(self) -> None:
        """Make the staged (and checked) release visible at the destination in one step."""

    def stored_size(self, rel_path: str, sha256: str) -> int | None:
        """The size of the file already staged at `rel_path` when its bytes have this
        sha256 (an interrupted build resumes by skipping it); None otherwise."""
        try:
            with open(self.root / rel_path, "rb") as stream:
                entry = _stream_to(rel_path, stream, None)
        except FileNotFoundError:
            return None
        return entry.size if entry.sha256 == sha256 else None

    def write_bytes(self, rel_path: str, data: bytes | Iterable[bytes]) -> FileEntry:
        """Stage `data` (bytes, or chunks streamed in order) at `rel_path`."""
        chunks = [data] if isinstance(data, bytes) else data
        with self._create(rel_path) as out:
            return _chunks_to(rel_path, chunks, out)

    def copy_image(self, rel_path: str, record: ImageRecord) -> FileEntry:
        """Stage the image's bytes exactly as the site holds them (never re-encoded)."""
        opener = partial(open, record.local_path, "rb") if record.local_path else record.open
        with opener() as source, self._create(rel_path) as out:
            return _stream_to(rel_path, source, out)

    def _create(self, rel_path: str) -> BinaryIO:
        path = self.root / rel_path
        try:
            return open(path, "wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return open(path, "wb")


def staging_dir_for(out_dir: str | Path, version: str) -> Path:
    """Where a release for the folder `out_dir` is staged: a sibling folder, so publishing
    is a rename."""
    out_dir = Path(out_dir).absolute()
    return out_dir.with_name(f"{out_dir.name}.staging-{version}")


class LocalSink(ReleaseSink):
    """Publishes to the folder `out_dir` by renaming the staged release to it."""

    def __init__(self, out_dir: str | Path, version: str):
        self.out_dir = Path(out_dir).absolute()
        super().__init__(staging_dir_for(self.out_dir, version), str(self.out_dir))

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

    def publish(self) -> None:
        if self.out_dir.is_dir() and not any(self.out_dir.iterdir()):
            self.out_dir.rmdir()
        os.rename(self.root, self.out_dir)


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
