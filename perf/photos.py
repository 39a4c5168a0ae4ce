"""Time to clean a phone-size JPEG vs a bare-Pillow floor measured in the same run.

The floor is what any photo pipeline must do at least: decode, apply the EXIF
orientation, encode at the same quality. `clean_photo` adds the type and size
checks, metadata stripping, a review-size copy, sha256 and a perceptual hash.
Runs alternate between the two so that machine load hits both alike; `ratio`
compares medians of wall time, `ratio_best` the fastest runs and `cpu_ratio`
the CPU time of all threads (the work done, whatever else the machine runs).
The last line printed is one JSON object.

    .venv/bin/python perf/photos.py [--megapixels 12] [--repeats 11] [--orientation 6]
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path


def phone_like_jpeg(megapixels: float, orientation: int, seed: int = 0) -> bytes:
    """A 4:3 JPEG with a phone's texture (gradients, paper-like patches, sensor noise)
    and a phone's EXIF (make, model, time, GPS, orientation)."""
    import numpy as np
    from PIL import Image

    from tests.support.photo_samples import phone_exif

    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = round(width * 3 / 4)
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    pixels = 90 + 110 * x * np.array([1.0, 0.8, 0.6], dtype=np.float32) + 40 * y
    pixels = np.broadcast_to(pixels, (height, width, 3)).copy()
    for _ in range(40):
        left, top = rng.integers(0, width - 400), rng.integers(0, height - 300)
        pixels[top : top + rng.integers(20, 300), left : left + rng.integers(40, 400)] *= 0.6
    pixels += rng.standard_normal((height, width, 1), dtype=np.float32) * 6
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=phone_exif(orientation).tobytes())
    return buffer.getvalue()


def bare_pillow_floor(data: bytes, quality: int) -> bytes:
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def timings(functions: dict, repeats: int) -> dict[str, dict[str, float]]:
    """Median and best wall time and median CPU time (all threads) of each function,
    the runs interleaved, after one warm-up each."""
    wall = {name: [] for name in functions}
    cpu = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(repeats):
        for name, function in functions.items():
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            function()
            wall[name].append(time.perf_counter() - wall_start)
            cpu[name].append(time.process_time() - cpu_start)
    return {
        name: {
            "median_s": statistics.median(wall[name]),
            "best_s": min(wall[name]),
            "cpu_s": statistics.median(cpu[name]),
        }
        for name in functions
    }


def main(argv=None) -> int:
    # The repo, not perf/: perf/queue.py would shadow the stdlib queue.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from benchmark.photos import clean_photo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--quality", type=int, default=90)
    parser.add_argument("--orientation", type=int, default=6, help="EXIF orientation, 1-8")
    args = parser.parse_args(argv)

    data = phone_like_jpeg(args.megapixels, args.orientation)
    cleaned = clean_photo(data, quality=args.quality)
    print(f"input: {cleaned.width}x{cleaned.height} JPEG, {len(data) / 1e6:.1f} MB", flush=True)
    load_before = os.getloadavg()[0]
    measured = timings(
        {
            "floor": lambda: bare_pillow_floor(data, args.quality),
            "clean_photo": lambda: clean_photo(data, quality=args.quality),
        },
        args.repeats,
    )
    ours, floor = measured["clean_photo"], measured["floor"]
    result = {
        "ratio": round(ours["median_s"] / floor["median_s"], 3),
        "ratio_best": round(ours["best_s"] / floor["best_s"], 3),
        "cpu_ratio": round(ours["cpu_s"] / floor["cpu_s"], 3),
        "clean_photo_s": round(ours["median_s"], 4),
        "floor_s": round(floor["median_s"], 4),
        "megapixels": round(cleaned.width * cleaned.height / 1e6, 2),
        "input_bytes": len(data),
        "output_bytes": len(cleaned.data),
        "review_bytes": len(cleaned.review_data),
        "review_size": [cleaned.review_width, cleaned.review_height],
        "quality": args.quality,
        "orientation": args.orientation,
        "repeats": args.repeats,
        "load_average": round(load_before, 2),
        "goal_ratio": 1.2,
        "site_bytes_per_upload": 0,
        "site_bytes_note": (
            "0 by design: the browser posts the photo straight to S3 with a presigned POST "
            "and the site never reads the bytes; measured by the site's upload tests "
            "(tests/volunteers), not here"
        ),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
