"""An independent look inside JPEG files, for tests that must prove metadata is gone.

It walks the marker segments itself instead of asking Pillow, so a test does not
trust the library that wrote the file to also report on it.
"""

import struct

# Segments a plain baseline or progressive JPEG needs: frame, tables, scans, restarts.
_STRUCTURAL = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA}
_JFIF_MINIMUM = b"JFIF\x00"


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) for every segment from SOI up to and including the first SOS."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG: no start-of-image marker")
    segments, offset = [], 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise ValueError(f"no marker at byte {offset}")
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        segments.append((marker, data[offset + 4 : offset + 2 + length]))
        if marker == 0xDA:
            break
        offset += 2 + length
    return segments


def metadata_blocks(data: bytes) -> list[str]:
    """Names of the segments that carry anything beyond the pixels: EXIF, XMP, ICC,
    IPTC, comments, any other APPn, or a JFIF header with a thumbnail. Empty when clean."""
    found = []
    for marker, payload in jpeg_segments(data):
        if marker in _STRUCTURAL:
            continue
        if marker == 0xE0 and payload.startswith(_JFIF_MINIMUM) and len(payload) == 14:
            continue  # the bare JFIF header: version, density units, no thumbnail
        found.append(_describe(marker, payload))
    return found


def _describe(marker: int, payload: bytes) -> str:
    if marker == 0xFE:
        return "COM comment"
    if marker == 0xE1 and payload.startswith(b"Exif\x00"):
        return "APP1 EXIF"
    if marker == 0xE1 and b"ns.adobe.com/xap" in payload[:64]:
        return "APP1 XMP"
    if marker == 0xE2 and payload.startswith(b"ICC_PROFILE"):
        return "APP2 ICC profile"
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0} {payload[:12]!r}"
    return f"marker 0x{marker:02X}"
