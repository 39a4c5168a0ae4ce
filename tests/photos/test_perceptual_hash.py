"""Perceptual hash: copies of a picture stay near, other pictures stay far."""

import io
import itertools

import pytest
from PIL import Image, ImageOps

from benchmark.photos import (
    NEAR_DUPLICATE_DISTANCE,
    clean_photo,
    hash_distance,
    is_near_duplicate,
    perceptual_hash,
)
from tests.support.photo_samples import encode, phone_jpeg, scene


def test_it_is_64_bits_as_16_hex_characters():
    value = perceptual_hash(scene(1))

    assert len(value) == 16
    assert int(value, 16) < 2**64


@pytest.mark.parametrize("seed", range(4))
def test_a_resized_reencoded_copy_is_a_near_duplicate(seed):
    picture = scene(seed)
    copy = Image.open(io.BytesIO(encode(picture.resize((320, 240)), "JPEG", quality=60)))

    assert is_near_duplicate(perceptual_hash(picture), perceptual_hash(copy))


def test_different_pictures_are_far_apart():
    hashes = [perceptual_hash(scene(seed)) for seed in range(6)]

    distances = [hash_distance(a, b) for a, b in itertools.combinations(hashes, 2)]

    assert min(distances) > 2 * NEAR_DUPLICATE_DISTANCE


def test_an_inverted_picture_flips_nearly_every_bit():
    picture = scene(2)

    assert hash_distance(perceptual_hash(picture), perceptual_hash(ImageOps.invert(picture))) > 56


def test_it_does_not_depend_on_the_colour_mode():
    picture = scene(4)

    for mode in ("L", "RGBA", "P"):
        converted = picture.convert(mode)
        assert hash_distance(perceptual_hash(picture), perceptual_hash(converted)) <= 2


def test_cleaned_uploads_of_one_photo_are_near_and_of_another_far():
    picture = scene(7, size=(1200, 900))
    original = phone_jpeg(picture, orientation=1)
    smaller_copy = encode(picture.resize((600, 450)), "PNG")
    other = phone_jpeg(scene(8, size=(1200, 900)), orientation=1)

    first, copy, different = (clean_photo(data) for data in (original, smaller_copy, other))

    assert first.sha256 != copy.sha256
    assert is_near_duplicate(first.phash, copy.phash)
    assert not is_near_duplicate(first.phash, different.phash)


def test_hash_distance_counts_the_differing_bits():
    assert hash_distance("0" * 16, "f" * 16) == 64
    assert hash_distance("00000000000000f0", "0000000000000010") == 3
    assert hash_distance("abcdef0123456789", "abcdef0123456789") == 0


def test_hash_distance_refuses_hashes_of_different_lengths():
    with pytest.raises(ValueError):
        hash_distance("0" * 16, "0" * 15)
