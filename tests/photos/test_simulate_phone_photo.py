"""simulate_phone_photo: a rendered form made to look photographed, the same for a seed."""

import numpy as np
from PIL import Image, ImageDraw

from benchmark.photos import clean_photo, hash_distance, perceptual_hash, simulate_phone_photo
from tests.support.photo_samples import encode


def rendered_form(size=(850, 1100)) -> Image.Image:
    form = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(form)
    draw.rectangle((40, 40, size[0] - 40, 120), outline="black", width=4)
    for row in range(8):
        y = 200 + row * 100
        draw.text((60, y - 30), f"FIELD {row}", fill="black")
        draw.line((260, y, size[0] - 60, y), fill="black", width=2)
    return form


def patch_mean(image: Image.Image, box) -> float:
    return float(np.asarray(image.crop(box).convert("L"), dtype=np.float64).mean())


def test_it_is_the_same_for_a_seed_and_differs_between_seeds():
    form = rendered_form()

    first = simulate_phone_photo(form, seed=11, max_edge=800)
    again = simulate_phone_photo(form, seed=11, max_edge=800)
    other = simulate_phone_photo(form, seed=12, max_edge=800)

    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()


def test_it_frames_a_portrait_sheet_as_a_portrait_phone_photo():
    photo = simulate_phone_photo(rendered_form(), seed=1, max_edge=800)

    assert photo.mode == "RGB"
    assert photo.size == (600, 800)
    assert photo.info == {}


def test_the_sheet_lies_on_a_darker_desk():
    form = rendered_form()

    for seed in range(4):
        photo = simulate_phone_photo(form, seed=seed, max_edge=800)
        corners = [(0, 0, 30, 30), (570, 0, 600, 30), (0, 770, 30, 800), (570, 770, 600, 800)]
        desk = max(patch_mean(photo, box) for box in corners)
        assert patch_mean(photo, (250, 330, 350, 350)) > desk + 15


def test_it_adds_camera_noise_to_flat_paper():
    blank = Image.new("RGB", (850, 1100), "white")

    photo = simulate_phone_photo(blank, seed=3, max_edge=800)

    paper = np.asarray(photo.crop((280, 380, 320, 420)), dtype=np.float64)
    assert 0.5 < paper.std() < 20


def test_it_leaves_the_form_unchanged_and_gives_a_photo_that_cleans():
    form = rendered_form()
    before = form.tobytes()

    photo = simulate_phone_photo(form, seed=5, max_edge=800)

    assert form.tobytes() == before
    cleaned = clean_photo(encode(photo, "JPEG", quality=90))
    assert (cleaned.width, cleaned.height) == photo.size
    assert hash_distance(cleaned.phash, perceptual_hash(form)) > 0
