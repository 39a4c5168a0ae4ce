"""Volunteer photos: verify, orient, strip every metadata block, hash.

A phone photo arrives as untrusted bytes. `clean_photo` checks its real size and
its type from magic bytes (never from names or client claims), refuses
decompression bombs from the header before any pixel is decoded, applies the
EXIF orientation and re-encodes a plain JPEG that carries no metadata at all:
no EXIF, GPS, XMP, ICC profile or comment. Every refusal is a `PhotoRejected`
with a short `code` and a sentence a volunteer can act on.

`simulate_phone_photo` turns a rendered form into something that looks like a
phone photo of a printed sheet, for demo data.
"""

import functools
import hashlib
import io
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFilter

from benchmark import sandbox
from benchmark.filetypes import SNIFF_BYTES, TYPE_NAMES, describe_non_image, sniff_type

ALLOWED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
MAX_BYTES = 25_000_000
MAX_PIXELS = 40_000_000
MIN_EDGE = 64
# Two pHashes at most this many bits (of 64) apart are taken for the same picture: a
# resized or re-encoded copy moves 0-2 bits, a small crop 4-8; unrelated pictures are
# 20-40 apart, and separate photos of two similar forms can come as close as about 10.
NEAR_DUPLICATE_DISTANCE = 6
# Cameras write baseline JPEGs (one scan); progressive encoders write about 10 (libjpeg)
# or up to some 20 (mozjpeg). Each scan makes the decoder pass over every coefficient
# again, so a file that repeats a tiny scan tens of thousands of times costs minutes.
MAX_JPEG_SCANS = 100
# What one photo's decode may cost, enforced by the kernel (see benchmark.sandbox):
# a 40 MP photo takes about 2 s of CPU and under 1 GB.
DECODE_LIMITS = sandbox.Limits(cpu_seconds=20, memory_bytes=3 * 1024**3, wall_seconds=60)

_ACCEPTED_NAMES = "JPEG, PNG, WebP or HEIC"
_PILLOW_FORMATS = {
    "image/jpeg": ["JPEG"],
    "image/png": ["PNG"],
    "image/webp": ["WEBP"],
    "image/heic": ["HEIF"],
    "image/heif": ["HEIF"],
}
# Other spellings of an allowed type; HEIC and HEIF are one family (brands overlap).
_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heic",
}
# What a browser sends when it does not know the type: no claim to check.
_NO_CLAIM = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class PhotoRejected(Exception):
    """A photo refused for a reason the volunteer can read and act on."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):
        return (type(self), (self.code, self.message))


@dataclass(frozen=True)
class CleanedPhoto:
    """A cleaned photo: JPEG bytes with no metadata, upright, plus its review-size copy.

    `review_data` is `data` itself when the photo is no bigger than the review size;
    `phash` is `perceptual_hash` of the upright review-size pixels.
    """

    data: bytes = field(repr=False)
    width: int
    height: int
    sha256: str
    phash: str
    review_data: bytes = field(repr=False)
    review_width: int
    review_height: int
    source_type: str


def check_upload(
    head: bytes, size: int, *, declared_type: str | None = None, max_bytes: int = MAX_BYTES
) -> str:
    """Check an upload from its real size and leading bytes; return its sniffed MIME type.

    Cheap enough to run on an object's size and first SNIFF_BYTES bytes before fetching
    the rest. Raises PhotoRejected (empty, too_large_bytes, not_an_image,
    unsupported_type, type_mismatch).
    """
    if size == 0:
        raise PhotoRejected(
            "empty", "The file is empty (0 bytes). Please choose the photo again and upload it."
        )
    if size > max_bytes:
        raise PhotoRejected(
            "too_large_bytes",
            f"The file is {size / 1e6:.1f} MB, more than the {max_bytes / 1e6:g} MB limit. "
            "Please upload a photo taken with your phone camera's normal settings.",
        )
    sniffed = sniff_type(head)
    if sniffed is None:
        kind = describe_non_image(bytes(head[:SNIFF_BYTES]))
        looks_like = f" (it looks like {kind})" if kind else ""
        raise PhotoRejected(
            "not_an_image",
            f"The file is not a photo{looks_like}. "
            f"Please upload the {_ACCEPTED_NAMES} photo from your camera.",
        )
    if sniffed not in ALLOWED_TYPES:
        raise PhotoRejected(
            "unsupported_type",
            f"{TYPE_NAMES.get(sniffed, sniffed)} files are not accepted. "
            f"Please upload the photo as {_ACCEPTED_NAMES}, the formats phone cameras save.",
        )
    _check_declared_type(declared_type, sniffed)
    return sniffed


def _check_declared_type(declared_type: str | None, sniffed: str) -> None:
    claim = (declared_type or "").split(";", 1)[0].strip().lower()
    if claim in _NO_CLAIM or _type_family(claim) == _type_family(sniffed):
        return
    raise PhotoRejected(
        "type_mismatch",
        f"The file was sent as {TYPE_NAMES.get(claim, claim)} but its content is "
        f"{TYPE_NAMES[sniffed]}. Please upload the original photo file from your camera, "
        "without renaming or converting it.",
    )


def _type_family(mime: str) -> str:
    return _TYPE_ALIASES.get(mime, mime)


def clean_photo_limited(data: bytes, *, limits: sandbox.Limits = DECODE_LIMITS, **options):
    """`clean_photo` in a separate process under CPU-time and memory limits: how every
    untrusted upload is cleaned. A file that trips a limit is refused (too_costly)."""
    try:
        return sandbox.run_limited(clean_photo, data, limits=limits, **options)
    except sandbox.LimitExceeded as error:
        raise _too_costly() from error


def _too_costly() -> PhotoRejected:
    return PhotoRejected(
        "too_costly",
        "The photo is built in an unusual way that would take too long to read. "
        "Please upload the photo as your phone camera saved it.",
    )


def clean_photo(
    data: bytes,
    *,
    declared_type: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    review_edge: int = 1600,
    quality: int = 90,
    min_edge: int = MIN_EDGE,
) -> CleanedPhoto:
    """Verify, orient and re-encode a photo with no metadata; raise PhotoRejected if bad.

    Returns the full-size JPEG, a review-size JPEG (longest edge at most `review_edge`),
    the sha256 of the full JPEG and a perceptual hash, for duplicate checks.
    """
    source_type = check_upload(
        data[:SNIFF_BYTES], len(data), declared_type=declared_type, max_bytes=max_bytes
    )
    if source_type == "image/jpeg":
        _check_jpeg_scans(data)
    image = _open_header(data, source_type, max_pixels, min_edge)
    decoded, turn = _decode_rgb(image)
    # The review copy is shrunk from the decoded pixels while the full image is turned
    # upright and encoded: Pillow releases the GIL in transpose and reduce, so on a
    # second core the review copy and its hash add little wall time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        review = pool.submit(_review_copy, decoded, turn, review_edge, quality)
        upright = _turn(decoded, turn)
        cleaned = _encode_jpeg(upright, quality)
        review_image, review_data, phash = review.result()
    return CleanedPhoto(
        data=cleaned,
        width=upright.width,
        height=upright.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
        phash=phash,
        review_data=review_data or cleaned,
        review_width=review_image.width,
        review_height=review_image.height,
        source_type=source_type,
    )


# In entropy-coded data a 0xFF byte is followed by 0x00 (stuffing) or a restart marker
# (0xD0-0xD7); anything else is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_SOS, _EOI = 0xDA, 0xD9


def jpeg_scan_count(data: bytes) -> int:
    """How many scans (SOS segments) a JPEG holds, from its markers alone: a walk over
    segment headers and a regex over the entropy-coded data, no decoding."""
    scans, position = 0, 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == _EOI:
            break
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == _SOS:
            scans += 1
            found = _NEXT_MARKER.search(data, position)
            position = found.start() if found else len(data)
    return scans


def _check_jpeg_scans(data: bytes) -> None:
    scans = jpeg_scan_count(data)
    if scans > MAX_JPEG_SCANS:
        raise PhotoRejected(
            "too_many_scans",
            f"The photo is stored in {scans} passes; cameras use at most a few dozen, and "
            "reading this one would take minutes. Please upload the photo as your phone "
            "camera saved it.",
        )


def _open_header(data: bytes, source_type: str, max_pixels: int, min_edge: int) -> Image.Image:
    """Parse only the header (Pillow decodes lazily) and check the size it announces."""
    if _PILLOW_FORMATS[source_type] == ["HEIF"]:
        _register_heif_opener()
    try:
        image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[source_type])
    except Image.DecompressionBombError as error:
        raise PhotoRejected(
            "too_many_pixels",
            f"The photo has far more pixels than the {max_pixels / 1e6:g} megapixel limit. "
            "Please upload a photo taken with your phone camera's normal settings.",
        ) from error
    except MemoryError:
        raise
    except Exception as error:  # a hostile header can make a parser raise almost anything
        raise _damaged() from error
    _check_dimensions(*image.size, max_pixels, min_edge)
    return image


def _check_dimensions(width: int, height: int, max_pixels: int, min_edge: int) -> None:
    if width * height > max_pixels:
        raise PhotoRejected(
            "too_many_pixels",
            f"The photo is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"more than the {max_pixels / 1e6:g} megapixel limit. "
            "Please upload a photo taken with your phone camera's normal settings.",
        )
    if min(width, height) < min_edge:
        raise PhotoRejected(
            "too_small",
            f"The photo is only {width} x {height} pixels, too small to read the form. "
            f"Please upload a photo at least {min_edge} pixels wide and high.",
        )


def _damaged() -> PhotoRejected:
    return PhotoRejected(
        "truncated",
        "The photo file is incomplete or damaged (the upload may have been cut off). "
        "Please upload it again.",
    )


@functools.cache
def _register_heif_opener() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


# The transposes that undo each EXIF orientation, as ImageOps.exif_transpose applies them.
_UPRIGHT_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _decode_rgb(image: Image.Image) -> tuple[Image.Image, Image.Transpose | None]:
    """Decode to sRGB RGB with every info block dropped; return it and its upright turn."""
    try:
        image.load()
        turn = _UPRIGHT_TURNS.get(image.getexif().get(ExifTags.Base.Orientation, 1))
        icc_profile = image.info.get("icc_profile")
        rgb = _to_srgb(_flatten_to_rgb(image), icc_profile)
    except MemoryError:
        raise
    except Exception as error:  # a hostile file can make a decoder raise almost anything
        raise _damaged() from error
    # Pillow copies `info` (EXIF, XMP, comment, ICC) into derived images and writes the
    # comment back on save; an empty dict is what keeps every block out of the output.
    rgb.info = {}
    return rgb, turn


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white paper rather than black."""
    if image.mode == "RGB":
        return image
    if "A" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I"):
        image = image.point(lambda value: value / 256, "L")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert from an embedded RGB profile (e.g. Display P3) so that dropping it is safe."""
    if not icc_profile:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if profile.profile.xcolor_space.strip() != "RGB":
            return image
        if "srgb" in ImageCms.getProfileDescription(profile).lower():
            return image
        return ImageCms.profileToProfile(image, profile, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: the pixels are still usable as sRGB


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _review_copy(image: Image.Image, turn: Image.Transpose | None, edge: int, quality: int):
    """The upright review-size image, its JPEG (None when the photo is no bigger), its pHash."""
    small = _shrink(image, edge)
    shrunk = small is not image
    small = _turn(small, turn)
    review_data = _encode_jpeg(small, quality) if shrunk else None
    return small, review_data, perceptual_hash(small)


def _turn(image: Image.Image, turn: Image.Transpose | None) -> Image.Image:
    return image if turn is None else image.transpose(turn)


def _shrink(image: Image.Image, longest_edge: int) -> Image.Image:
    """At most `longest_edge` on the longest side, by one integer box reduction.

    Cheap and alias-free; the edge lands between k/(k+1) of the target and the target
    (1334 px for a 4000 px photo and a 1600 px target), fine for reviewing a sheet.
    """
    factor = math.ceil(max(image.size) / longest_edge)
    return image.reduce(factor) if factor > 1 else image


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


_PHASH_SIDE = 32
_PHASH_KEEP = 8


@functools.cache
def _dct_matrix(size: int) -> np.ndarray:
    frequencies = np.arange(size)[:, None]
    samples = np.arange(size)[None, :]
    return np.cos(np.pi * (2 * samples + 1) * frequencies / (2 * size))


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash (pHash) as 16 hex characters.

    The image is shrunk to 32x32 grey; each of the 8x8 lowest-frequency DCT
    coefficients gives one bit: above the median of the 64 or not. Resizing,
    re-encoding and mild edits move few bits; see NEAR_DUPLICATE_DISTANCE.
    """
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    small = image.resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    grey = np.asarray(small.convert("L"), dtype=np.float64)
    dct = _dct_matrix(_PHASH_SIDE)
    lowest = (dct @ grey @ dct.T)[:_PHASH_KEEP, :_PHASH_KEEP].ravel()
    return np.packbits(lowest > np.median(lowest)).tobytes().hex()


def hash_distance(a: str, b: str) -> int:
    """Hamming distance between two perceptual hashes of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} and {len(b)} hex characters")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_near_duplicate(a: str, b: str) -> bool:
    return hash_distance(a, b) <= NEAR_DUPLICATE_DISTANCE


def simulate_phone_photo(image: Image.Image, seed: int, *, max_edge: int = 2000) -> Image.Image:
    """Make a rendered form look like a phone photo of the printed sheet on a desk.

    The sheet is tinted like paper, laid on a textured desk with a drop shadow,
    seen in perspective, lit unevenly (gradient, vignette, a soft hand shadow),
    then blurred, given sensor noise and JPEG softness. Deterministic for a seed;
    the photo's longest edge is `max_edge`.
    """
    rng = np.random.default_rng(seed)
    canvas = _canvas_size(image.size, max_edge)
    paper = _paper_sheet(image, canvas, rng)
    coefficients = _perspective_coefficients(paper.size, _sheet_corners(paper.size, canvas, rng))
    sheet, mask = _project(paper, coefficients, canvas)
    scene = _lay_on_desk(sheet, mask, _desk_texture(canvas, rng), rng)
    lit = scene * _lighting(canvas, rng)[:, :, None] * rng.uniform(0.96, 1.04, 3)
    return _camera_softness(lit, rng, max_edge)


def _canvas_size(form_size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    short_edge = round(max_edge * 3 / 4)
    width, height = form_size
    return (short_edge, max_edge) if height >= width else (max_edge, short_edge)


def _paper_sheet(image: Image.Image, canvas: tuple[int, int], rng) -> Image.Image:
    fill = rng.uniform(0.72, 0.86)
    scale = min(fill * canvas[0] / image.width, fill * canvas[1] / image.height)
    size = (round(image.width * scale), round(image.height * scale))
    sheet = _flatten_to_rgb(image).resize(size, Image.Resampling.LANCZOS)
    tint = np.array([1.0, rng.uniform(0.97, 0.995), rng.uniform(0.90, 0.97)], dtype=np.float32)
    return Image.fromarray((np.asarray(sheet, dtype=np.float32) * tint).astype(np.uint8))


def _sheet_corners(paper: tuple[int, int], canvas: tuple[int, int], rng) -> np.ndarray:
    """Where the sheet's corners land: shifted, turned, keystoned by the phone's tilt."""
    half = np.array(paper, dtype=np.float64) / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    keystone = rng.uniform(0.0, 0.08) * half[0]
    far_edge = [0, 1] if rng.random() < 0.7 else [2, 3]
    corners[far_edge, 0] -= np.sign(corners[far_edge, 0]) * keystone
    angle = math.radians(rng.uniform(-6, 6))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array(canvas) / 2 + rng.uniform(-0.04, 0.04, 2) * np.array(canvas)
    jitter = rng.normal(0, 0.01 * max(canvas), (4, 2))
    return corners @ rotation.T + centre + jitter


def _perspective_coefficients(paper: tuple[int, int], corners: np.ndarray) -> list[float]:
    """Pillow's PERSPECTIVE data: maps each output (canvas) pixel back onto the sheet."""
    width, height = paper
    source = [(0, 0), (width, 0), (width, height), (0, height)]
    rows, targets = [], []
    for (x, y), (u, v) in zip(corners, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        targets.extend([u, v])
    return np.linalg.solve(np.array(rows), np.array(targets)).tolist()


def _project(paper: Image.Image, coefficients, canvas) -> tuple[Image.Image, Image.Image]:
    perspective = Image.Transform.PERSPECTIVE
    sheet = paper.transform(canvas, perspective, coefficients, Image.Resampling.BICUBIC)
    mask = Image.new("L", paper.size, 255).transform(
        canvas, perspective, coefficients, Image.Resampling.BILINEAR
    )
    return sheet, mask


_DESK_COLOURS = ((120, 84, 52), (160, 118, 78), (92, 96, 104), (186, 180, 168), (58, 62, 74))


def _desk_texture(canvas: tuple[int, int], rng) -> np.ndarray:
    """Desk colour with blotches and grain streaks along one axis, as float RGB."""
    width, height = canvas
    colour = np.array(_DESK_COLOURS[rng.integers(len(_DESK_COLOURS))], dtype=np.float32)
    blotches = _smooth_noise(rng, (9, 12), canvas)
    streaks_across = rng.random() < 0.5
    grain_grid = (max(2, height // 6), 6) if streaks_across else (6, max(2, width // 6))
    grain = _smooth_noise(rng, grain_grid, canvas)
    shade = 1 + 0.10 * blotches + 0.045 * grain
    return shade[:, :, None] * colour


def _smooth_noise(rng, grid: tuple[int, int], canvas: tuple[int, int]) -> np.ndarray:
    """Noise in [-1, 1] drawn on a coarse (rows, columns) grid and smoothly upscaled."""
    coarse = rng.uniform(0, 255, grid).astype(np.uint8)
    upscaled = Image.fromarray(coarse).resize(canvas, Image.Resampling.BICUBIC)
    return np.asarray(upscaled, dtype=np.float32) / 127.5 - 1


def _lay_on_desk(sheet: Image.Image, mask: Image.Image, desk: np.ndarray, rng) -> np.ndarray:
    blur = max(2.0, 0.012 * max(sheet.size))
    offset = rng.integers(2, 1 + round(blur * 1.5), 2)
    shadow = Image.new("L", sheet.size, 0)
    shadow.paste(mask, tuple(int(value) for value in offset))
    shadow = np.asarray(shadow.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float32) / 255
    desk = desk * (1 - rng.uniform(0.3, 0.5) * shadow)[:, :, None]
    alpha = np.asarray(mask, dtype=np.float32)[:, :, None] / 255
    return np.asarray(sheet, dtype=np.float32) * alpha + desk * (1 - alpha)


def _lighting(canvas: tuple[int, int], rng) -> np.ndarray:
    """Light falling off across the frame, darker corners and a soft hand/phone shadow."""
    width, height = canvas
    x = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    direction = rng.uniform(0, 2 * math.pi)
    gradient = rng.uniform(0.08, 0.22) * (math.cos(direction) * x + math.sin(direction) * y)
    vignette = rng.uniform(0.08, 0.22) * (x * x + y * y) / 2
    return (1 + gradient - vignette) * (1 - rng.uniform(0.12, 0.3) * _hand_shadow(canvas, rng))


def _hand_shadow(canvas: tuple[int, int], rng) -> np.ndarray:
    width, height = canvas
    shadow = Image.new("L", canvas, 0)
    centre_x = rng.uniform(-0.1, 1.1) * width
    centre_y = (1.05 if rng.random() < 0.5 else -0.05) * height
    radius_x, radius_y = rng.uniform(0.25, 0.45) * width, rng.uniform(0.15, 0.3) * height
    box = (centre_x - radius_x, centre_y - radius_y, centre_x + radius_x, centre_y + radius_y)
    ImageDraw.Draw(shadow).ellipse(box, fill=255)
    shadow = shadow.filter(ImageFilter.GaussianBlur(0.08 * max(canvas)))
    return np.asarray(shadow, dtype=np.float32) / 255


def _camera_softness(pixels: np.ndarray, rng, max_edge: int) -> Image.Image:
    """Lens blur, sensor noise and a JPEG round trip, as a phone camera leaves them."""
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.2) * max_edge / 2000))
    height, width = image.height, image.width
    sigma = rng.uniform(2.0, 5.0)
    luminance = rng.standard_normal((height, width, 1), dtype=np.float32) * sigma
    chroma = rng.standard_normal((height, width, 3), dtype=np.float32) * (sigma / 3)
    noisy = np.clip(np.asarray(image, dtype=np.float32) + luminance + chroma, 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(noisy.astype(np.uint8)).save(buffer, "JPEG", quality=int(rng.integers(72, 88)))
    buffer.seek(0)
    photo = Image.open(buffer).convert("RGB")
    photo.info = {}
    return photo
