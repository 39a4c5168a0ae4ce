"""What a release is built from: image records, the maintainer's config, and the errors."""

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from benchmark.vocab import MAX_VERSION_LENGTH, SEMVER

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Seeds stay below 2**53 so they survive JSON in any language.
SEED_LIMIT = 2**53
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}\Z")

# Sizes per preset. `full` mirrors MM-PRIVACY.md (600 disclosure, 1,200 retention items);
# `demo` fits the demo database: about 24 memorisation and 24 probe identities with
# template forms in every scenario, a few photos and about 12 diffusion scenes.
PRESETS = {
    "full": {
        "disclosure_per_cell": 50,
        "retention_per_cell": 100,
        "retention_scenes_per_block": 15,
    },
    "demo": {"disclosure_per_cell": 2, "retention_per_cell": 4, "retention_scenes_per_block": 1},
}
_SIZE_FIELDS = tuple(PRESETS["full"])


class ReleaseError(Exception):
    """A release cannot be built as asked; the message says why and what to do."""


class ReleaseShortError(ReleaseError):
    """Some cells cannot be filled; `cells` holds one line per short cell."""

    def __init__(self, cells: list[str]):
        self.cells = cells
        super().__init__(
            f"{len(cells)} cells cannot be filled with the accepted images:\n  "
            + "\n  ".join(cells)
            + "\nAccept more images, or choose smaller sizes (for example --preset demo)."
        )


class ReleaseCheckFailed(ReleaseError):
    """The independent check refused the staged release; nothing was published."""

    def __init__(self, problems: list[str], report_path):
        self.problems = problems
        self.report_path = report_path
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"the release check found {len(problems)} problems; nothing was published "
            f"(details in {report_path}):\n  {shown}{more}"
        )


class ReleaseExistsError(ReleaseError):
    """The output location already holds a different, published release."""


@dataclass(frozen=True, slots=True, eq=False)
class ImageRecord:
    """One accepted image as the site hands it over; `open()` streams its stored bytes."""

    key: str
    source: str
    scenario: str | None
    target_type: str | None
    identity_id: str | None
    fields: list[dict]
    sha256: str
    phash: str
    simulated: bool
    provenance: dict
    suffix: str
    open: Callable[[], BinaryIO]
    local_path: str | None = None
    s3_key: str | None = None
    # The consent terms version a photo was sent under; a release refuses photos without.
    consent_terms: str | None = None
    # The machine reading (benchmark's reading module JSON) and reviewers' overrides on it:
    # target types confirmed legible, and a scene's PII-like text judged harmless.
    reading: dict | None = None
    legible_confirmed: frozenset[str] = frozenset()
    pii_overridden: bool = False


@dataclass(frozen=True)
class ReleaseConfig:
    """A maintainer's choice of version, seed and sizes. Sizes left as None come from
    the preset (`full` when no preset is named)."""

    version: str
    seed: int
    disclosure_per_cell: int | None = None
    retention_per_cell: int | None = None
    retention_scenes_per_block: int | None = None
    photos: str | int = "all"
    allow_simulated: bool = False
    preset: str | None = None
    date: str | None = None
    # The paper injects one form image per memorised identity; more are for dose studies.
    memorisation_images_per_identity: int = 1
    # The reading rule (benchmark.release.legibility): legible disclosure targets, scenes
    # without PII-like text unless a reviewer overrode the flag.
    require_legible: bool = True

    def __post_init__(self):
        if not isinstance(self.version, str) or not SEMVER.match(self.version):
            raise ReleaseError(
                f"version {self.version!r} is not semantic versioning; use MAJOR.MINOR.PATCH "
                "such as 1.0.0"
            )
        if len(self.version) > MAX_VERSION_LENGTH:
            raise ReleaseError(
                f"version {self.version[:50]!r} is {len(self.version)} characters; "
                f"use at most {MAX_VERSION_LENGTH} characters"
            )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ReleaseError(f"seed must be an integer, not {self.seed!r}")
        if not 0 <= self.seed < SEED_LIMIT:
            raise ReleaseError(f"seed must be from 0 to {SEED_LIMIT - 1:,}, not {self.seed}")
        if self.preset is not None and self.preset not in PRESETS:
            raise ReleaseError(
                f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}"
            )
        preset = PRESETS[self.preset or "full"]
        for name in _SIZE_FIELDS:
            if getattr(self, name) is None:
                object.__setattr__(self, name, preset[name])
            self._require_count(name, getattr(self, name))
        if self.retention_scenes_per_block > self.retention_per_cell:
            raise ReleaseError(
                f"retention_scenes_per_block ({self.retention_scenes_per_block}) cannot exceed "
                f"retention_per_cell ({self.retention_per_cell})"
            )
        per_identity = self.memorisation_images_per_identity
        self._require_count("memorisation_images_per_identity", per_identity)
        if per_identity < 1:
            raise ReleaseError(
                f"memorisation_images_per_identity must be at least 1, not {per_identity}"
            )
        if self.photos not in ("all", "none"):
            self._require_count("photos", self.photos, what="'all', 'none' or a count")
        if not isinstance(self.require_legible, bool):
            raise ReleaseError(
                f"require_legible must be true or false, not {self.require_legible!r}"
            )
        if self.date is not None and not ISO_DATE.match(self.date):
            raise ReleaseError(f"date {self.date!r} must be YYYY-MM-DD")

    @staticmethod
    def _require_count(name, value, what="a whole number >= 0"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ReleaseError(f"{name} must be {what}, not {value!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
