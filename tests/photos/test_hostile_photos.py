"""Hostile uploads: each ends in PhotoRejected with the right code, never another error."""

import io
import pickle
import struct
import zlib

import pytest
from PIL import Image

from benchmark.filetypes import SNIFF_BYTES, sniff_type
from benchmark.photos import PhotoRejected, check_upload, clean_photo
from tests.support.hostile_photos import hostile_corpus, png_bomb
from tests.support.photo_samples import encode, phone_jpeg, quadrant_picture

SMALL_LIMIT = 1_000_000
CORPUS = hostile_corpus(max_bytes=SMALL_LIMIT)


@pytest.mark.parametrize("hostile", CORPUS, ids=[item.name for item in CORPUS])
def test_it_rejects_each_hostile_file_with_its_code(hostile):
    try:
        clean_photo(hostile.data, declared_type=hostile.declared_type, max_bytes=SMALL_LIMIT)
    except PhotoRejected as rejection:
        assert type(rejection) is PhotoRejected
        assert rejection.code == hostile.expected_code
        assert str(rejection) == rejection.message
        assert "\n" not in rejection.message
        assert "Please" in rejection.message and rejection.message.endswith(".")
    else:
        pytest.fail(f"{hostile.name} was accepted")


def test_the_corpus_covers_every_refusal_code():
    codes = {item.expected_code for item in CORPUS}

    assert codes == {
        "empty",
        "truncated",
        "not_an_image",
        "unsupported_type",
        "type_mismatch",
        "too_large_bytes",
        "too_many_pixels",
        "too_small",
        "too_many_scans",
    }


def test_the_30000_pixel_bomb_is_a_complete_valid_png():
    data = png_bomb(30_000, 30_000)
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        kind, payload = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        crc = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])[0]
        assert crc == zlib.crc32(kind + payload)
        chunks.append(kind)
        offset += 12 + length

    assert (width, height) == (30_000, 30_000)
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]
    assert len(data) < 200_000


def test_the_oversized_file_is_refused_before_decoding_and_is_otherwise_a_photo():
    huge = next(item for item in CORPUS if item.expected_code == "too_large_bytes")

    assert len(huge.data) == SMALL_LIMIT + 1
    assert Image.open(io.BytesIO(huge.data)).format == "JPEG"


def test_the_corpus_refuses_a_byte_limit_its_files_would_exceed():
    with pytest.raises(ValueError):
        hostile_corpus(max_bytes=100_000)


def test_it_refuses_a_declared_type_that_is_not_the_content():
    with pytest.raises(PhotoRejected) as rejected:
        clean_photo(phone_jpeg(), declared_type="image/png")

    assert rejected.value.code == "type_mismatch"
    assert "PNG" in rejected.value.message and "JPEG" in rejected.value.message


def test_heic_and_heif_claims_are_one_family():
    iphone_head = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"

    assert check_upload(iphone_head, 24, declared_type="image/heif") == "image/heic"
    assert check_upload(iphone_head, 24, declared_type="image/heic") == "image/heic"


def test_check_upload_refuses_from_the_size_and_first_bytes_alone():
    head = phone_jpeg()[:SNIFF_BYTES]

    with pytest.raises(PhotoRejected) as rejected:
        check_upload(head, 30_000_000)

    assert rejected.value.code == "too_large_bytes"
    assert "30.0 MB" in rejected.value.message and "25 MB" in rejected.value.message


def test_a_rejection_survives_pickling_for_job_queues():
    rejection = PhotoRejected("truncated", "The photo file is damaged. Please upload it again.")

    copy = pickle.loads(pickle.dumps(rejection))

    assert (copy.code, copy.message, str(copy)) == (
        rejection.code,
        rejection.message,
        str(rejection),
    )


@pytest.mark.parametrize(
    ("format_name", "expected"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_sniff_type_names_what_pillow_wrote(format_name, expected):
    assert sniff_type(encode(quadrant_picture(), format_name)) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", "image/heif"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "image/avif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", None),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", None),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/svg+xml"),
        (b"<!DOCTYPE html><html><body><svg></svg></body></html>", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniff_type_reads_magic_bytes_only(head, expected):
    assert sniff_type(head) == expected


def test_a_video_is_named_in_the_refusal():
    mp4_head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(100)

    with pytest.raises(PhotoRejected) as rejected:
        clean_photo(mp4_head, declared_type="video/mp4")

    assert rejected.value.code == "not_an_image"
    assert "video" in rejected.value.message
