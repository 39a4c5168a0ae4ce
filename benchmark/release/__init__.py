"""Build an MM-Privacy release: disjoint memorisation and probe splits, reproducibly.

    from benchmark.release import ImageRecord, ReleaseConfig, build_release
    manifest = build_release(identities, images, ReleaseConfig("1.0.0", seed=7), "out/1.0.0")

The independent check that guards publishing lives apart, in `benchmark.release_check`.
"""

from benchmark.release.build import build_release
from benchmark.release.config import (
    PRESETS,
    ImageRecord,
    ReleaseCheckFailed,
    ReleaseConfig,
    ReleaseError,
    ReleaseExistsError,
    ReleaseShortError,
)
from benchmark.release.sink import FileEntry, LocalSink, ReleaseSink, staging_dir_for

__all__ = [
    "PRESETS",
    "FileEntry",
    "ImageRecord",
    "LocalSink",
    "ReleaseCheckFailed",
    "ReleaseConfig",
    "ReleaseError",
    "ReleaseExistsError",
    "ReleaseShortError",
    "ReleaseSink",
    "build_release",
    "staging_dir_for",
]
