"""CPU seconds each hostile upload costs the site, as ratios against a normal photo.

Every file goes through what the cleaning job does with an upload
(`curation.volunteers.services._cleaned_photo`): `check_upload` on the real size and
leading bytes, then `clean_photo_limited`, the decode in a spawned process under the
site's CPU and memory limits. The cost counted is all the CPU it takes: this process
(all threads) plus the spawned decoder (RUSAGE_CHILDREN). The floor is a normal 12 MP
phone JPEG processed the same way in the same run (median of `--repeats`), so machine
speed and load cancel out in `ratio`. The files are built here, in memory; no network.
The last line printed is one JSON object.

    .venv/bin/python perf/hostile_photos.py [--repeats 3]
"""

import argparse
import io
import json
import os
import resource
import statistics
import struct
import sys
import time
import zlib
from pathlib import Path


def cpu_seconds() -> float:
    """CPU used so far by this process and its waited-for children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def site_path(data: bytes, declared_type: str) -> str:
    """What the cleaning job does with an upload; "accepted" or the refusal code."""
    from benchmark import photos

    try:
        photos.check_upload(data[: photos.SNIFF_BYTES], len(data), declared_type=declared_type)
        photos.clean_photo_limited(data, declared_type=declared_type)
    except photos.PhotoRejected as refused:
        return refused.code
    return "accepted"


def measured(data: bytes, declared_type: str, repeats: int) -> tuple[str, float, float]:
    """The outcome, the median CPU seconds and the median wall seconds of `repeats` runs."""
    cpu, wall, outcome = [], [], ""
    for _ in range(repeats):
        cpu_start, wall_start = cpu_seconds(), time.perf_counter()
        outcome = site_path(data, declared_type)
        cpu.append(cpu_seconds() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return outcome, statistics.median(cpu), statistics.median(wall)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


# Adam7: (first column, first row, column step, row step) of each of the seven passes.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7 += ((0, 1, 1, 2),)


def not_srgb_profile() -> bytes:
    """An RGB ICC profile the cleaner must convert from (sRGB's, described otherwise)."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile.replace(b"sRGB", b"wRGB").replace("sRGB".encode("utf-16-be"), b"\0w\0R\0G\0B")


def png16_interlaced_icc(width: int, height: int) -> bytes:
    """A 16-bit RGB, Adam7-interlaced PNG with an embedded non-sRGB ICC profile: the
    slowest decode path Pillow has for PNG (seven passes, 48 bits a pixel, a colour
    transform), of smooth gradients so that the file stays under the byte limit."""
    import numpy as np

    x = np.linspace(0, 65535, width, dtype=np.float64)[None, :]
    y = np.linspace(0, 65535, height, dtype=np.float64)[:, None]
    pixels = np.stack([x + 0 * y, (x + y) / 2, y + 0 * x], axis=-1).astype(">u2")
    raw = []
    for left, top, step_x, step_y in _ADAM7:
        part = pixels[top::step_y, left::step_x]
        if part.size:
            rows = np.frombuffer(part.tobytes(), np.uint8).reshape(part.shape[0], -1)
            up = rows.copy()  # filter 2 (Up): each byte less the one above it
            up[1:] -= rows[:-1]
            raw.append(np.hstack([np.full((len(up), 1), 2, np.uint8), up]).tobytes())
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 1)
    icc = b"wide\0\0" + zlib.compress(not_srgb_profile())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"iCCP", icc)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(raw), 6))
        + _png_chunk(b"IEND", b"")
    )


def solid_webp(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 150)).save(buffer, "WEBP", quality=50)
    return buffer.getvalue()


def hostile_files() -> list[tuple[str, bytes, str]]:
    """(name, bytes, declared type): the worst files of each kind a volunteer can send."""
    from benchmark import photos
    from tests.support import hostile_photos as hostile

    base_scans = photos.jpeg_scan_count(hostile.many_scans_jpeg(repeats=0))
    under_scans = photos.MAX_JPEG_SCANS - base_scans
    # Largest PNG bomb and WebP under the pixel limit: accepted, and fully decoded.
    under_pixels = (7300, 5460)
    assert under_pixels[0] * under_pixels[1] <= photos.MAX_PIXELS
    files = [
        ("many-scans-1.6MB.jpg", hostile.many_scans_jpeg(), "image/jpeg"),
        ("many-scans-25MB.jpg", hostile.many_scans_jpeg(repeats=1_600_000), "image/jpeg"),
        (
            f"progressive-{photos.MAX_JPEG_SCANS}-scans-12MP.jpg",
            hostile.many_scans_jpeg(repeats=under_scans),
            "image/jpeg",
        ),
        ("bomb-30000x30000.png", hostile.png_bomb(30_000, 30_000), "image/png"),
        ("bomb-8000x6000.png", hostile.png_bomb(8_000, 6_000), "image/png"),
        ("bomb-7300x5460-under-limit.png", hostile.png_bomb(*under_pixels), "image/png"),
        (
            "png16-interlaced-icc-7300x5460.png",
            png16_interlaced_icc(*under_pixels),
            "image/png",
        ),
        ("webp-7300x5460-under-limit.webp", solid_webp(*under_pixels), "image/webp"),
    ]
    files += [
        (item.name, item.data, item.declared_type or "")
        for item in hostile.hostile_corpus()
        if item.name in {"claims-65000x65000.jpg", "truncated.jpg", "random.jpg", "huge.jpg"}
    ]
    return files


def main(argv=None) -> int:
    # The repo, not perf/: perf/queue.py would shadow the stdlib queue.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from benchmark import photos
    from perf.photos import phone_like_jpeg

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each file (median)")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    normal = phone_like_jpeg(12.0, 6)
    site_path(normal, "image/jpeg")  # warm-up: page cache, the spawn machinery
    outcome, floor_cpu, floor_wall = measured(normal, "image/jpeg", args.repeats)
    assert outcome == "accepted", outcome
    rows = []
    for name, data, declared_type in hostile_files():
        outcome, cpu, wall = measured(data, declared_type, args.repeats)
        rows.append(
            {
                "file": name,
                "bytes": len(data),
                "outcome": outcome,
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "cpu_ratio": round(cpu / floor_cpu, 3),
            }
        )
        print(f"{name}: {outcome}, {cpu:.2f} s CPU ({cpu / floor_cpu:.2f}x)", flush=True)
    worst = max(rows, key=lambda row: row["cpu_s"])
    print(
        json.dumps(
            {
                "floor": {
                    "file": "phone-12MP.jpg",
                    "bytes": len(normal),
                    "cpu_s": round(floor_cpu, 3),
                    "wall_s": round(floor_wall, 3),
                },
                "files": rows,
                "worst": {key: worst[key] for key in ("file", "outcome", "cpu_s", "cpu_ratio")},
                "cpu_limit_s": photos.DECODE_LIMITS.cpu_seconds,
                "repeats": args.repeats,
                "load_average": round(load_before, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
