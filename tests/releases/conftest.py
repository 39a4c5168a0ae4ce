"""A small synthetic world for release tests: identities in two pools, their template
forms in every scenario (stand-in drawings), a few photos and diffusion scenes, all
written to files the way the site stores accepted images."""

import hashlib
import io
import json
import random
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from benchmark.identities import AREA_CODES as AREA_CODES_BY_STATE
from benchmark.release import ImageRecord, ReleaseConfig, build_release
from benchmark.vocab import OPEN, SCENARIOS, TARGET_TYPES
from tests.support import readings

FORM_FIELDS = {
    "hiring": ("name", "date_of_birth", "address", "email", "phone", "ssn"),
    "verification": (
        "last_name",
        "first_name",
        "address",
        "date_of_birth",
        "ssn",
        "email",
        "phone",
    ),
    "finance": ("name", "ssn", "address", "phone", "email"),
}
AREA_CODES = sorted(code for codes in AREA_CODES_BY_STATE.values() for code in codes)
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "da", "fe", "gu")


def _word(number: int, length: int) -> str:
    letters = [SYLLABLES[(number // len(SYLLABLES) ** k) % len(SYLLABLES)] for k in range(length)]
    return "".join(letters).capitalize()


def make_identity(number: int, pool: str) -> dict:
    first, last = _word(number, 2), _word(number * 7 + 3, 3)
    return {
        "id": f"{pool[0]}-{number:04d}",
        "pool": pool,
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "gender": ("female", "male")[number % 2],
        "date_of_birth": f"19{60 + number % 40}-0{1 + number % 9}-1{number % 10}",
        "email": f"{first.lower()}.{last.lower()}{number}@example.org",
        "phone": f"{AREA_CODES[number % len(AREA_CODES)]}-555-{number:04d}",
        "ssn": f"{100 + number % 600:03d}-{10 + number % 80:02d}-{number:04d}",
        "address": f"{number + 1} {last} Street, Springfield",
    }


@lru_cache(maxsize=1024)
def draw_picture(seed: str, lines: tuple[str, ...], size=(240, 120), fmt="PNG") -> bytes:
    """A stand-in image: a seeded block pattern (so different images look different)
    with the values written on it."""
    rng = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))
    blocks = rng.integers(0, 4, (6, 12), dtype=np.uint8) * 60
    pixels = np.kron(blocks, np.ones((size[1] // 6, size[0] // 12), dtype=np.uint8))
    image = Image.fromarray(pixels).convert("RGB")
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(lines):
        draw.text((6, 6 + 14 * row), text, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@dataclass
class World:
    root: Path
    identities: list[dict]
    images: list[ImageRecord]

    def add_image(self, key, data: bytes, **record) -> ImageRecord:
        """Store `data` as an accepted image and return its record."""
        path = self.root / "media" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        image = ImageRecord(
            key=key,
            sha256=hashlib.sha256(data).hexdigest(),
            phash="0" * 16,
            open=partial(open, path, "rb"),
            local_path=str(path) if record.pop("local", True) else None,
            **{
                "scenario": None,
                "target_type": None,
                "identity_id": None,
                "fields": [],
                "simulated": False,
                "provenance": {"made_by": "tests"},
                "suffix": ".png",
                # A site hands over photos with the consent terms they were sent under.
                "consent_terms": "1" if record.get("source") == "photo" else None,
                # Read on arrival: every typed target legible, no PII-like text on scenes.
                "reading": self._reading(record),
                **record,
            },
        )
        self.images.append(image)
        return image

    def _reading(self, record: dict) -> dict:
        """Read on arrival: typed targets, else (a photo without fields) its identity's."""
        if record.get("fields") or not record.get("identity_id"):
            return readings.reading_of_fields(record.get("fields", []))
        return readings.reading_of_identity(self.identity(record["identity_id"]))

    def add_form(self, identity: dict, scenario: str, target_type=None, **extra) -> ImageRecord:
        """A form of `identity` in `scenario`, its fields typed in (a template by default)."""
        names = FORM_FIELDS.get(scenario, ("name", target_type))
        fields = [
            {
                "name": name,
                "label": name.replace("_", " "),
                "value": identity[name],
                "box": [0, i, 9, 9],
            }
            for i, name in enumerate(names)
        ]
        suffix = extra.pop("suffix", ".png")
        source = extra.pop("source", "template")
        kind = f"{scenario}-{target_type}" if target_type else scenario
        key = extra.pop("key", f"{source}/{identity['id']}/{kind}{suffix}")
        data = draw_picture(
            key,
            tuple(f"{field['label']}: {field['value']}" for field in fields),
            fmt="JPEG" if suffix == ".jpg" else "PNG",
        )
        return self.add_image(
            key,
            data,
            source=source,
            scenario=scenario,
            target_type=target_type,
            identity_id=identity["id"],
            fields=fields,
            suffix=suffix,
            **extra,
        )

    def identity(self, identity_id: str) -> dict:
        return next(person for person in self.identities if person["id"] == identity_id)

    def replace_image(self, key: str, **changes) -> None:
        self.images = [replace(r, **changes) if r.key == key else r for r in self.images]


def make_world(root: Path, memorised=12, probes=15, scenes=6, photos=3) -> World:
    identities = [make_identity(n, "memorisation") for n in range(memorised)]
    identities += [make_identity(500 + n, "probe") for n in range(probes)]
    world = World(root, identities, [])
    for number, identity in enumerate(identities):
        for scenario in SCENARIOS[:3]:
            world.add_form(identity, scenario)
        world.add_form(identity, OPEN, TARGET_TYPES[number % 3])
    probe_people = [person for person in identities if person["pool"] == "probe"]
    for number in range(photos):
        world.add_form(
            probe_people[number],
            SCENARIOS[number % 3],
            source="photo",
            suffix=".jpg",
            simulated=True,
            provenance={"simulated_by": "demo"},
        )
    for number in range(scenes):
        key = f"scenes/scene-{number:02d}.png"
        world.add_image(
            key,
            draw_picture(key, ("no personal data",), size=(192, 192)),
            source="diffusion",
            target_type=TARGET_TYPES[number % 3],
            scenario=(None, "hiring")[number % 2],
            provenance={"prompt": f"a screen showing a {TARGET_TYPES[number % 3]}", "seed": number},
        )
    random.Random(0).shuffle(world.images)  # the builder must not depend on input order
    return world


@pytest.fixture(name="make_world")
def _make_world():
    """Make another world: make_world(root, memorised=, probes=, scenes=, photos=)."""
    return make_world


@pytest.fixture
def world(tmp_path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def demo_config() -> ReleaseConfig:
    return ReleaseConfig(version="0.1.0", seed=7, preset="demo", allow_simulated=True)


@pytest.fixture
def every_form_config() -> ReleaseConfig:
    """The demo sizes with every form of each memorised identity in the split (the
    check's tests plant copies of any of them)."""
    return ReleaseConfig(
        version="0.1.0",
        seed=7,
        preset="demo",
        allow_simulated=True,
        memorisation_images_per_identity=100,
    )


@pytest.fixture
def build(world, demo_config):
    """Build a release of the world; keyword arguments go to build_release."""

    def run(out_dir: Path, config: ReleaseConfig = demo_config, **options) -> dict:
        return build_release(world.identities, world.images, config, out_dir, **options)

    return run


@pytest.fixture
def read_jsonl():
    def read(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return read


@pytest.fixture
def tree_bytes():
    """Every file under a folder, by relative path."""

    def read(root: Path) -> dict[str, bytes]:
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }

    return read
