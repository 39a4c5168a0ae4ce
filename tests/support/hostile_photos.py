"""Hostile uploads: files that `clean_photo` must refuse, each with the code it must give.

Shared by the library's tests and the site's upload tests so that every layer is
checked against the same corpus. Everything is built in memory with Pillow and
zlib in well under a second; the decompression bombs are real, valid files whose
pixels are never decoded.
"""

import functools
import io
import random
import struct
import zlib
from typing import NamedTuple

from PIL import Image

from benchmark.photos import MAX_BYTES

SMALLEST_MAX_BYTES = 1_000_000


class HostileFile(NamedTuple):
    name: str
    data: bytes
    declared_type: str | None
    expected_code: str


def hostile_corpus(max_bytes: int = MAX_BYTES) -> list[HostileFile]:
    """Files that `clean_photo(data, declared_type=..., max_bytes=max_bytes)` must refuse.

    The expected codes hold at the default pixel limits (MAX_PIXELS, MIN_EDGE). The
    oversized file is `max_bytes + 1` bytes: pass a small `max_bytes` (and the same
    limit to the code under test) to keep it cheap; every other file is under 1 MB.
    """
    if max_bytes < SMALLEST_MAX_BYTES:
        raise ValueError(f"max_bytes must be at least {SMALLEST_MAX_BYTES} (1 MB)")
    jpeg, png = sample_jpeg(), sample_png()
    bomb = "too_many_pixels"
    return [
        HostileFile("empty.jpg", b"", "image/jpeg", "empty"),
        HostileFile("truncated.jpg", jpeg[: len(jpeg) // 2], "image/jpeg", "truncated"),
        HostileFile("header-only.jpg", jpeg[:24], "image/jpeg", "truncated"),
        HostileFile("truncated.png", png[: len(png) // 2], "image/png", "truncated"),
        HostileFile("truncated.heic", _sample_heic()[:400], "image/heic", "truncated"),
        HostileFile("page.html.jpg", _HTML, "image/jpeg", "not_an_image"),
        HostileFile("document.pdf.jpg", _PDF, "image/jpeg", "not_an_image"),
        HostileFile("random.jpg", random.Random(7).randbytes(4096), "image/jpeg", "not_an_image"),
        HostileFile("drawing.svg", _SVG, "image/svg+xml", "unsupported_type"),
        HostileFile("drawing.svg.jpg", _SVG, "image/jpeg", "unsupported_type"),
        HostileFile("animation.gif", _pillow_bytes("GIF", _SMALL), "image/gif", "unsupported_type"),
        HostileFile("scan.bmp", _pillow_bytes("BMP", _SMALL), "image/bmp", "unsupported_type"),
        HostileFile("scan.tiff", _pillow_bytes("TIFF", _SMALL), "image/tiff", "unsupported_type"),
        HostileFile("photo.png.jpg", png, "image/jpeg", "type_mismatch"),
        HostileFile("photo.jpg.webp", jpeg, "image/webp", "type_mismatch"),
        HostileFile("huge.jpg", _padded(jpeg, max_bytes + 1), "image/jpeg", "too_large_bytes"),
        HostileFile("30000x30000.png", png_bomb(30_000, 30_000), "image/png", bomb),
        HostileFile("8000x6000.png", png_bomb(8_000, 6_000), "image/png", bomb),
        HostileFile("claims-65000x65000.jpg", _resized_header(jpeg), "image/jpeg", bomb),
        HostileFile("pixel-1x1.png", _pillow_bytes("PNG", (1, 1)), "image/png", "too_small"),
        HostileFile("many-scans.jpg", _small_many_scans(), "image/jpeg", "too_many_scans"),
    ]


@functools.cache
def sample_jpeg() -> bytes:
    """A small, valid 320x240 JPEG (gradient and shapes) to damage in various ways."""
    return _pillow_bytes("JPEG")


@functools.cache
def sample_png() -> bytes:
    return _pillow_bytes("PNG")


@functools.cache
def png_bomb(width: int, height: int) -> bytes:
    """A complete, valid black 1-bit PNG of width x height: kilobytes on disk, but
    width * height bytes once Pillow decodes it."""
    row = bytes(1 + (width + 7) // 8)  # filter byte, then the packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


_SMALL = (96, 72)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Hello</body></html>\n"
_PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">'
    b'<script>alert("x")</script><rect width="640" height="480" fill="red"/></svg>\n'
)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    checksum = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", checksum)


def _pillow_bytes(format_name: str, size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    if size[0] > 8:
        image.paste((200, 30, 30), (size[0] // 8, size[1] // 8, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format_name)
    return buffer.getvalue()


@functools.cache
def _sample_heic() -> bytes:
    import pillow_heif

    image = Image.open(io.BytesIO(sample_png())).convert("RGB")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=60)
    return buffer.getvalue()


def _padded(data: bytes, size: int) -> bytes:
    """A valid image followed by filler up to `size` bytes: only its size is wrong."""
    return data + bytes(max(0, size - len(data)))


def _resized_header(jpeg: bytes, width: int = 65_000, height: int = 65_000) -> bytes:
    """The JPEG with its frame header (SOF) claiming another size; the scan is unchanged."""
    offset = 2
    while offset < len(jpeg):
        marker, length = jpeg[offset + 1], struct.unpack(">H", jpeg[offset + 2 : offset + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            dimensions = struct.pack(">HH", height, width)
            return jpeg[: offset + 5] + dimensions + jpeg[offset + 9 :]
        offset += 2 + length
    raise ValueError("no frame header in the sample JPEG")


def many_scans_jpeg(repeats: int = 100_000, size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A valid progressive JPEG whose smallest scan (15 bytes) is repeated `repeats` times
    before the end: 1.6 MB that makes a decoder pass over every block at each repeat
    (about 35 s of CPU to decode with the defaults)."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    scans = _jpeg_scans(data)
    smallest = min(scans, key=lambda span: span[1] - span[0])
    end = scans[-1][1]
    return data[:end] + data[smallest[0] : smallest[1]] * repeats + data[end:]


@functools.cache
def _small_many_scans() -> bytes:
    return many_scans_jpeg(repeats=500, size=(320, 240))


def _jpeg_scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each scan: its SOS header and its entropy-coded data."""
    spans, offset = [], 2
    while data[offset + 1] != 0xD9:
        marker, length = data[offset + 1], struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        start, offset = offset, offset + 2 + length
        if marker == 0xDA:
            while not (data[offset] == 0xFF and data[offset + 1] not in (0, *range(0xD0, 0xD8))):
                offset += 1
            spans.append((start, offset))
    return spans
