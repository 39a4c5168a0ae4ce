"""What a file is, from its leading bytes (magic numbers), never from its name or a claim.

`sniff_type` names the image type the bytes prove; `describe_non_image` says, for a
refusal message, what a file that is no image looks like.
"""

# Enough leading bytes for `sniff_type` to tell every format it knows, SVG included.
SNIFF_BYTES = 512

# How a person calls each type, for messages.
TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/avif": "AVIF",
    "image/jxl": "JPEG XL",
    "image/svg+xml": "SVG",
    "image/x-icon": "ICO",
    "image/vnd.adobe.photoshop": "Photoshop",
}

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"mif2", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_OTHER_IMAGE_MAGIC = (
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"8BPS", "image/vnd.adobe.photoshop"),
    (b"\xff\x0a", "image/jxl"),
    (b"\x00\x00\x00\x0cJXL ", "image/jxl"),
)
_NON_IMAGE_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\x1a\x45\xdf\xa3", "a video"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta")


def sniff_type(head: bytes) -> str | None:
    """The MIME type that the leading bytes prove, or None when they are no known image.

    Names every image type it knows (GIF, BMP, SVG, AVIF... too), so that a caller that
    accepts only some can say what the file is. Pass at least SNIFF_BYTES bytes.
    """
    head = bytes(head[:SNIFF_BYTES])
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _ftyp_image_type(head)
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    for magic, mime in _OTHER_IMAGE_MAGIC:
        if head.startswith(magic):
            return mime
    if _markup_kind(head) == "svg":
        return "image/svg+xml"
    return None


def _ftyp_image_type(head: bytes) -> str | None:
    major = head[8:12]
    box_end = min(int.from_bytes(head[:4], "big") or len(head), len(head))
    brands = {major} | {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    if major in _HEIC_BRANDS or (major in _HEIF_BRANDS and brands & _HEIC_BRANDS):
        return "image/heic"
    if brands & _AVIF_BRANDS:
        return "image/avif"
    if major in _HEIF_BRANDS:
        return "image/heif"
    return None


def _markup_kind(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return None
    if text.startswith(_HTML_STARTS) or b"<html" in text:
        return "html"
    if b"<svg" in text:
        return "svg"
    return "markup"


def describe_non_image(head: bytes) -> str | None:
    """What a file that is no image looks like ("a PDF document", "text"...), or None."""
    for magic, kind in _NON_IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return "a video"
    markup = _markup_kind(head)
    if markup is not None:
        return {"html": "HTML, a web page"}.get(markup, "XML or other markup")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text"
