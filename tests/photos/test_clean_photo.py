"""clean_photo on good photos: no metadata left, upright pixels, right hashes and sizes."""

import hashlib
import io

import pillow_heif
import pytest
from PIL import Image, ImageOps

from benchmark.photos import (
    PhotoRejected,
    clean_photo,
    hash_distance,
    perceptual_hash,
)
from tests.support.jpeg_checks import metadata_blocks
from tests.support.photo_samples import (
    QUADRANTS,
    SECRET_XMP,
    colour_close,
    encode,
    leaked_secrets,
    phone_exif,
    phone_jpeg,
    png_with_text,
    quadrant_at,
    quadrant_picture,
    scene,
    srgb_icc,
)

CLEAN_INFO_KEYS = {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


def assert_no_metadata(jpeg: bytes) -> None:
    assert metadata_blocks(jpeg) == []
    assert leaked_secrets(jpeg) == []
    opened = Image.open(io.BytesIO(jpeg))
    assert opened.format == "JPEG"
    assert dict(opened.getexif()) == {}
    assert set(opened.info) <= CLEAN_INFO_KEYS


def test_the_sample_phone_jpeg_carries_the_metadata_to_strip():
    original = phone_jpeg()
    assert {"APP1 EXIF", "APP1 XMP", "APP2 ICC profile", "COM comment"} <= set(
        metadata_blocks(original)
    )
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS


def test_it_strips_every_metadata_block_from_a_phone_jpeg():
    cleaned = clean_photo(phone_jpeg(), declared_type="image/jpeg")

    assert_no_metadata(cleaned.data)
    assert_no_metadata(cleaned.review_data)
    assert cleaned.source_type == "image/jpeg"


def test_it_strips_text_chunks_exif_and_icc_from_a_png():
    original = png_with_text()
    assert {"Comment", "Author", "exif", "icc_profile"} <= set(
        Image.open(io.BytesIO(original)).info
    )

    cleaned = clean_photo(original, declared_type="image/png")

    assert_no_metadata(cleaned.data)
    assert cleaned.source_type == "image/png"


def test_it_strips_exif_icc_and_xmp_from_a_webp():
    original = encode(
        quadrant_picture(),
        "WEBP",
        quality=95,
        exif=phone_exif(orientation=1).tobytes(),
        icc_profile=srgb_icc(),
        xmp=SECRET_XMP,
    )
    assert {"exif", "icc_profile", "xmp"} <= set(Image.open(io.BytesIO(original)).info)

    cleaned = clean_photo(original, declared_type="image/webp")

    assert_no_metadata(cleaned.data)
    assert cleaned.source_type == "image/webp"


def test_it_strips_exif_and_xmp_from_a_heic_and_keeps_it_upright():
    buffer = io.BytesIO()
    pillow_heif.from_pillow(quadrant_picture()).save(
        buffer, quality=90, exif=phone_exif(orientation=6).tobytes(), xmp=SECRET_XMP
    )
    assert leaked_secrets(buffer.getvalue())

    cleaned = clean_photo(buffer.getvalue(), declared_type="image/heic")

    assert_no_metadata(cleaned.data)
    assert cleaned.source_type == "image/heic"
    assert_turned_clockwise(Image.open(io.BytesIO(cleaned.data)))


def assert_turned_clockwise(image: Image.Image) -> None:
    """What a 160x96 quadrant picture stored with orientation 6 must look like upright."""
    assert image.size == (96, 160)
    assert colour_close(quadrant_at(image, "top_right"), QUADRANTS["top_left"])
    assert colour_close(quadrant_at(image, "bottom_right"), QUADRANTS["top_right"])
    assert colour_close(quadrant_at(image, "bottom_left"), QUADRANTS["bottom_right"])
    assert colour_close(quadrant_at(image, "top_left"), QUADRANTS["bottom_left"])


def test_it_turns_a_photo_upright_from_exif_orientation_6():
    cleaned = clean_photo(phone_jpeg(orientation=6))

    assert (cleaned.width, cleaned.height) == (96, 160)
    assert_turned_clockwise(Image.open(io.BytesIO(cleaned.data)))
    assert_turned_clockwise(Image.open(io.BytesIO(cleaned.review_data)))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_it_orients_like_exif_transpose_for_every_orientation(orientation):
    original = phone_jpeg(orientation=orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))

    cleaned = Image.open(io.BytesIO(clean_photo(original).data))

    assert cleaned.size == expected.size
    for corner in QUADRANTS:
        assert colour_close(quadrant_at(cleaned, corner), quadrant_at(expected, corner))


def test_it_reports_the_sha256_and_size_of_the_cleaned_jpeg():
    cleaned = clean_photo(phone_jpeg())

    assert cleaned.sha256 == hashlib.sha256(cleaned.data).hexdigest()
    assert Image.open(io.BytesIO(cleaned.data)).size == (cleaned.width, cleaned.height)


def test_it_gives_the_same_bytes_and_hashes_for_the_same_input():
    original = phone_jpeg(scene(3))

    first, second = clean_photo(original), clean_photo(original)

    assert first == second


def test_its_phash_is_the_upright_pictures_phash():
    picture = scene(5)
    stored_sideways = picture.transpose(Image.Transpose.ROTATE_90)  # orientation 6 undoes it

    cleaned = clean_photo(phone_jpeg(stored_sideways, orientation=6))

    assert len(cleaned.phash) == 16
    assert hash_distance(cleaned.phash, perceptual_hash(picture)) <= 4
    assert hash_distance(cleaned.phash, perceptual_hash(stored_sideways)) > 10


def test_it_makes_a_review_copy_no_longer_than_review_edge():
    original = encode(scene(1, size=(2000, 1500)), "JPEG", quality=90)

    cleaned = clean_photo(original, review_edge=800)

    review = Image.open(io.BytesIO(cleaned.review_data))
    assert review.size == (cleaned.review_width, cleaned.review_height)
    assert 400 < max(review.size) <= 800
    assert abs(review.width / review.height - 2000 / 1500) < 0.01
    assert (cleaned.width, cleaned.height) == (2000, 1500)
    assert_no_metadata(cleaned.review_data)


def test_a_photo_already_review_size_is_its_own_review_copy():
    cleaned = clean_photo(phone_jpeg(), review_edge=1600)

    assert cleaned.review_data == cleaned.data
    assert (cleaned.review_width, cleaned.review_height) == (cleaned.width, cleaned.height)


def test_it_lays_transparent_pixels_on_white_paper():
    picture = Image.new("RGBA", (120, 90), (0, 0, 0, 0))
    picture.paste((20, 20, 200, 255), (0, 0, 60, 90))

    cleaned = Image.open(io.BytesIO(clean_photo(encode(picture, "PNG")).data))

    assert cleaned.mode == "RGB"
    assert colour_close(cleaned.getpixel((100, 45)), (255, 255, 255), tolerance=4)
    assert colour_close(cleaned.getpixel((20, 45)), (20, 20, 200))


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16"])
def test_it_writes_rgb_from_other_colour_modes(mode):
    picture = quadrant_picture()
    source = picture.convert("L").convert("I;16") if mode == "I;16" else picture.convert(mode)
    format_name = "JPEG" if mode == "CMYK" else "PNG"

    cleaned = Image.open(io.BytesIO(clean_photo(encode(source, format_name)).data))

    assert cleaned.mode == "RGB"
    assert cleaned.size == picture.size


def test_it_converts_from_an_embedded_rgb_profile_then_drops_it():
    # The sRGB profile renamed, so that it counts as a foreign profile to convert from.
    profile = srgb_icc().replace("sRGB".encode("utf-16-be"), "Test".encode("utf-16-be"))
    original = encode(quadrant_picture(), "PNG", icc_profile=profile)

    cleaned = clean_photo(original)

    assert_no_metadata(cleaned.data)
    image = Image.open(io.BytesIO(cleaned.data))
    assert colour_close(quadrant_at(image, "top_left"), QUADRANTS["top_left"])


@pytest.mark.parametrize(
    "declared_type",
    [None, "", "image/JPEG", "image/jpg", "image/jpeg; charset=binary", "application/octet-stream"],
)
def test_it_accepts_every_spelling_of_the_right_declared_type(declared_type):
    assert clean_photo(phone_jpeg(), declared_type=declared_type).source_type == "image/jpeg"


def test_it_refuses_more_pixels_than_the_callers_limit():
    with pytest.raises(PhotoRejected) as rejected:
        clean_photo(phone_jpeg(), max_pixels=160 * 96 - 1)

    assert rejected.value.code == "too_many_pixels"
    assert "160 x 96" in rejected.value.message
