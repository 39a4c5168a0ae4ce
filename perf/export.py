"""Export speed and memory: a full-preset release of N small PNGs vs `cp -r` of the same files.

For each size a synthetic world is written to local disk (about 3 KB PNGs whose pixels,
and so perceptual hashes, differ; full-preset probe side, the rest memorisation forms).
A child process exports the release (plan, copy, text files, manifest and the independent
check) and reports its time and peak RSS (getrusage in that child); `cp -r` of the same
image folder, timed just before and just after, is the floor. The last line printed is
one JSON object with `ratio_vs_cp` (export time / cp time at the largest size),
`rss_growth_100k_vs_10k` (the child's peak RSS at the largest size / at the smallest,
records included) and `export_rss_growth_100k_vs_10k` (the same for the memory the
export adds on top of the image records it is given).

    .venv/bin/python perf/export.py [--sizes 10000,100000] [--workdir DIR]
"""

import argparse
import hashlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# The repo, not perf/: perf/queue.py would shadow the stdlib queue.
sys.path[0] = str(ROOT)

from benchmark.vocab import SCENARIOS, carries_target_type  # noqa: E402
from benchmark.vocab import TARGET_TYPES as TYPES  # noqa: E402

# Geographic area codes only (the release check refuses any other), read without
# importing the identity generator, whose Faker data would weigh on the measured memory.
AREA_CODES = [
    line.split()[0]
    for line in (ROOT / "benchmark" / "data" / "area_codes.txt").read_text().splitlines()
    if line[:1].isdigit()
]
PROBE_IDENTITIES = 405  # 150 disclosure + 255 distractor forms per scenario, no reuse
SCENES = 180  # 15 per retention block


def _png(pixels: np.ndarray) -> bytes:
    """A grayscale PNG, encoded directly (fast enough for 100k files)."""
    height, width = pixels.shape
    rows = np.hstack([np.zeros((height, 1), np.uint8), pixels]).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def _picture(rng: np.random.Generator) -> bytes:
    levels = rng.integers(0, 15, (8, 9), dtype=np.uint8) * 16
    pixels = np.kron(levels, np.ones((8, 8), np.uint8))
    return _png(pixels + rng.integers(0, 16, pixels.shape, dtype=np.uint8))


def _identity(number: int, pool: str) -> dict:
    name = "".join(chr(97 + (number // 26**k) % 26) for k in range(4))
    return {
        "id": f"{pool[0]}{number:06d}",
        "pool": pool,
        "name": f"{name.capitalize()} {name[::-1].capitalize()}son",
        "first_name": name.capitalize(),
        "last_name": f"{name[::-1].capitalize()}son",
        "gender": "female",
        "date_of_birth": "1980-01-01",
        "email": f"{name}{number}@example.org",
        "phone": f"{AREA_CODES[number // 10000 % len(AREA_CODES)]}-555-{number % 10000:04d}",
        "ssn": f"{100 + number // 10000 % 800:03d}-{10 + number % 90:02d}-{number % 10000:04d}",
        "address": f"{number} {name.capitalize()} Road",
    }


def _plan_world(size: int) -> tuple[list[dict], list[tuple]]:
    """Identities and (key, identity, scenario, target type, source) for `size` images."""
    people = list(_people(size))
    images = []
    for number, person in enumerate(people):
        for scenario in SCENARIOS:
            target_type = TYPES[number % 3] if carries_target_type(scenario) else None
            images.append((f"{person['id']}/{scenario}.png", person, scenario, target_type))
    images = images[: size - SCENES]
    for number in range(SCENES):
        images.append((f"scenes/{number:04d}.png", None, None, TYPES[number % 3]))
    return people, images


def _people(size: int) -> Iterator[dict]:
    """The probe identities, then enough memorised ones for four forms each, made one at
    a time, as a database query streams them."""
    memorised_images = size - PROBE_IDENTITIES * 4 - SCENES
    for number in range(PROBE_IDENTITIES):
        yield _identity(1_000_000 + number, "probe")
    for number in range(-(-memorised_images // 4)):
        yield _identity(number, "memorisation")


def _person(identity_id: str | None) -> dict | None:
    """The identity with this id, made again (an image row carries its fields)."""
    if identity_id is None:
        return None
    return _identity(int(identity_id[1:]), "probe" if identity_id[0] == "p" else "memorisation")


def generate(size: int, folder: Path) -> None:
    """Write the world's images under folder/images and an index of them: key, sha256,
    scenario, target type and identity id ("-" for none) per line."""
    rng = np.random.default_rng(size)
    _, images = _plan_world(size)
    with open(folder / "index.txt", "w") as index:
        for key, person, scenario, target_type in images:
            data = _picture(rng)
            path = folder / "images" / key
            try:
                path.write_bytes(data)
            except FileNotFoundError:
                path.parent.mkdir(parents=True)
                path.write_bytes(data)
            columns = (scenario, target_type, person["id"] if person else None)
            described = " ".join(column or "-" for column in columns)
            index.write(f"{key} {hashlib.sha256(data).hexdigest()} {described}\n")


class _Records:
    """The world's image records, made afresh from the index on each iteration, as a
    database query streams them: never all of them in memory at once."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __iter__(self):
        with open(self.folder / "index.txt") as index:
            for line in index:
                yield self._record(*(None if part == "-" else part for part in line.split()))

    def _record(self, key, sha256, scenario, target_type, identity_id):
        from benchmark.release import ImageRecord

        person = _person(identity_id)
        path = str(self.folder / "images" / key)
        shown = ("name", target_type) if carries_target_type(scenario) else ("name", *TYPES)
        fields = (
            [
                {"name": name, "label": name, "value": person[name], "box": [10, 10 * i, 60, 8]}
                for i, name in enumerate(shown)
            ]
            if person
            else []
        )
        return ImageRecord(
            key=key,
            source="template" if person else "diffusion",
            scenario=scenario,
            target_type=target_type,
            identity_id=identity_id,
            fields=fields,
            sha256=sha256,
            phash="0" * 16,
            simulated=False,
            provenance={"renderer": "perf"},
            suffix=".png",
            open=partial(open, path, "rb"),
            local_path=path,
        )


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def child(size: int, folder: Path, out: Path) -> None:
    """Export in this process and print one JSON line of its time and memory."""
    from PIL import Image

    import benchmark.release_check  # noqa: F401 (imported now so its memory counts as fixed)
    from benchmark.release import ReleaseConfig, build_release

    Image.open(next((folder / "images" / "scenes").iterdir())).load()
    identities = _people(size)  # streamed, as the site's query streams them
    records = _Records(folder)
    records_mb = _rss_now_mb()
    marks = {}

    def progress(done, total, message):
        if message.startswith("checking") and "check" not in marks:
            marks["check"] = time.perf_counter()

    start = time.perf_counter()
    # Every image is exported (the cp -r floor copies them all): each memorised identity's
    # four forms, not the paper's one.
    config = ReleaseConfig("1.0.0", seed=1, memorisation_images_per_identity=len(SCENARIOS))
    build_release(identities, records, config, out, progress=progress)
    end = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "export_s": end - start,
        "build_s": marks["check"] - start,
        "check_s": end - marks["check"],
        "records_rss_mb": records_mb,
        "peak_rss_mb": peak_mb,
        "export_rss_mb": peak_mb - records_mb,
    }
    print(json.dumps(result))


def _time_cp(source: Path, target: Path) -> float:
    os.sync()  # no timing pays for the disk writes of what ran before it
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    return elapsed


def measure(size: int, workdir: Path) -> dict:
    """Generate, then time `cp -r` before and after the export (a shared machine's disk
    varies over minutes, so the floor is their mean)."""
    folder = workdir / f"world-{size}"
    (folder / "images").mkdir(parents=True)
    started = time.perf_counter()
    generate(size, folder)
    generated_s = time.perf_counter() - started

    # The first copy onto this disk after a burst of new files runs several times faster
    # than every later one (measured: 1.4 s, then 6.4 s and 5.8 s for 10k files), and the
    # export never gets that first copy: spend it untimed.
    _time_cp(folder / "images", workdir / "cp")
    cp_before = _time_cp(folder / "images", workdir / "cp")
    command = [sys.executable, __file__, "--child", str(size), str(folder), str(workdir / "out")]
    os.sync()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    shutil.rmtree(workdir / "out")
    cp_after = _time_cp(folder / "images", workdir / "cp")
    shutil.rmtree(folder)
    cp_s = (cp_before + cp_after) / 2
    return {
        "images": size,
        "generate_s": round(generated_s, 2),
        "cp_s": round(cp_s, 3),
        "cp_before_s": round(cp_before, 3),
        "cp_after_s": round(cp_after, 3),
        **{key: round(value, 3) for key, value in result.items()},
        "ratio_vs_cp": round(result["export_s"] / cp_s, 3),
        "build_only_ratio_vs_cp": round(result["build_s"] / cp_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated image counts")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, folder, out = args.child
        return child(int(size), Path(folder), Path(out))
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if sizes[0] < PROBE_IDENTITIES * 4 + SCENES + 400:
        parser.error(f"each size must be at least {PROBE_IDENTITIES * 4 + SCENES + 400} images")
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        runs = []
        for size in sizes:
            runs.append(measure(size, Path(scratch)))
            print(json.dumps(runs[-1]), flush=True)
    small, large = runs[0], runs[-1]
    print(
        json.dumps(
            {
                "sizes": sizes,
                "ratio_vs_cp": large["ratio_vs_cp"],
                "build_only_ratio_vs_cp": large["build_only_ratio_vs_cp"],
                "rss_growth_100k_vs_10k": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
                "export_rss_growth_100k_vs_10k": round(
                    large["export_rss_mb"] / small["export_rss_mb"], 3
                ),
                "runs": runs,
                "goals": {"ratio_vs_cp": "<= 1.5", "rss_growth_100k_vs_10k": "<= 1.2"},
            }
        )
    )


if __name__ == "__main__":
    main()
