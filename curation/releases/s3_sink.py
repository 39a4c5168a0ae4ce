"""Publishing a release to an S3 prefix.

The release is built and checked in a local staging folder exactly as for a folder
release: the independent check must read the real bytes. Publishing then writes the
prefix: images the bucket already holds by server-side copy (their bytes never travel
again), the other files streamed up, and `manifest.json` last. A prefix without
`manifest.json` is not a release, so an interrupted publish leaves nothing that passes for
one, and running the export again finishes it (objects already there with the right
sha256 are skipped).
"""

import hashlib
import json
import mimetypes
from pathlib import Path

from benchmark.parallel import ordered_map
from benchmark.release import ReleaseError, ReleaseSink
from curation.core import storage

SCHEME = "s3://"


def is_s3_destination(destination: str) -> bool:
    return destination.startswith(SCHEME)


def s3_prefix(destination: str) -> str:
    """The key prefix of `s3://BUCKET/PREFIX`, which must name the site's own bucket."""
    bucket, _, prefix = destination.removeprefix(SCHEME).partition("/")
    if not storage.uses_s3():
        raise ReleaseError(f"{destination}: S3_BUCKET is not set; export to a folder instead.")
    if bucket != storage.bucket_name():
        raise ReleaseError(
            f"{destination}: releases go to the site's bucket {storage.bucket_name()!r} "
            "(images are copied inside it); use s3://"
            f"{storage.bucket_name()}/releases/VERSION"
        )
    if not prefix.strip("/"):
        raise ReleaseError(f"{destination}: name a prefix, e.g. s3://{bucket}/releases/1.0.0")
    return prefix.strip("/")


class S3ReleaseSink(ReleaseSink):
    def __init__(self, destination: str, sources: dict[str, str], work_dir: str | Path):
        """`sources` maps an image's sha256 to its key in the bucket (copied server-side);
        the release is staged and checked under the local folder `work_dir`."""
        super().__init__(work_dir, name=destination)
        self.prefix = s3_prefix(destination)
        self.sources = sources

    def published_manifest(self) -> bytes | None:
        return storage.read_if_exists(self._key("manifest.json"))

    def publish(self) -> None:
        manifest = json.loads((self.root / "manifest.json").read_bytes())
        # Each file is a round trip or two (a HEAD, a copy or an upload): overlap them.
        published = ordered_map(
            lambda entry: self._publish_file(entry["path"], entry["sha256"]), manifest["files"]
        )
        for _ in published:
            pass
        self._publish_file("manifest.json", _sha256_of(self.root / "manifest.json"))

    def _publish_file(self, rel_path: str, sha256: str) -> None:
        key = self._key(rel_path)
        if storage.stored_sha256(key) == sha256:
            return  # an interrupted publish already wrote it
        source = self.sources.get(sha256)
        if source is not None:
            storage.copy_object(source, key, sha256=sha256)
            return
        content_type = mimetypes.guess_type(rel_path)[0] or "application/octet-stream"
        storage.upload_path(self.root / rel_path, key, sha256=sha256, content_type=content_type)

    def _key(self, rel_path: str) -> str:
        return f"{self.prefix}/{rel_path}"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
