from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image, ImageDraw

from benchmark.scenes import composite_form

RED = (255, 0, 0)


@dataclass
class Field:
    name: str
    label: str
    value: str
    box: list


def form_with_red_field(box):
    form = Image.new("RGB", (300, 200), "white")
    draw = ImageDraw.Draw(form)
    draw.rectangle([10, 10, 290, 30], outline="black")
    draw.rectangle([box[0], box[1], box[2] - 1, box[3] - 1], fill=RED)
    return form


def red_pixels(image):
    pixels = np.asarray(image).astype(int)
    ys, xs = np.nonzero(pixels[..., 0] - np.maximum(pixels[..., 1], pixels[..., 2]) > 100)
    return xs, ys


@pytest.mark.parametrize("seed", range(6))
def test_field_box_follows_the_warped_field(seed):
    box = [60, 100, 140, 130]
    scene = Image.new("RGB", (256, 192), (40, 90, 60))
    image, fields = composite_form(
        scene, form_with_red_field(box), [Field("ssn", "SSN", "x", box)], seed
    )
    xs, ys = red_pixels(image)
    x0, y0, x1, y1 = fields[0]["box"]
    assert len(xs) > 50
    # Every clearly red pixel lies in the box; the box is no more than 3 px looser on any side.
    assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1
    assert xs.min() - x0 <= 3 and x1 - 1 - xs.max() <= 3
    assert ys.min() - y0 <= 3 and y1 - 1 - ys.max() <= 3
    quad = np.array(fields[0]["quad"])
    assert (quad.min(axis=0) >= [x0, y0]).all() and (quad.max(axis=0) <= [x1, y1]).all()


def test_the_form_is_warped_not_pasted_upright():
    box = [0, 0, 300, 200]
    form = Image.new("RGB", (300, 200), RED)
    scene = Image.new("RGB", (256, 192), (40, 90, 60))
    image, fields = composite_form(
        scene, form, [{"name": "all", "label": "", "value": "", "box": box}], 4
    )
    xs, ys = red_pixels(image)
    x0, y0, x1, y1 = fields[0]["box"]
    filled = len(xs) / ((x1 - x0) * (y1 - y0))
    assert 0.5 < filled < 0.97  # a rotated or tilted page leaves corners of its bounding box empty
    assert image.size == scene.size and image.mode == "RGB"


def test_same_seed_same_composite_and_other_seed_differs():
    box = [60, 100, 140, 130]
    scene = Image.new("RGB", (128, 128), (90, 90, 90))
    form = form_with_red_field(box)
    fields = [{"name": "email", "label": "Email", "value": "a@example.com", "box": box}]
    first = composite_form(scene, form, fields, 11)
    second = composite_form(scene, form, fields, 11)
    other = composite_form(scene, form, fields, 12)
    assert first[0].tobytes() == second[0].tobytes() and first[1] == second[1]
    assert first[1][0]["box"] != other[1][0]["box"]
    assert first[1][0] | {"box": None, "quad": None} == {
        "name": "email",
        "label": "Email",
        "value": "a@example.com",
        "box": None,
        "quad": None,
    }


def test_a_form_larger_than_the_scene_is_shrunk_to_fit():
    box = [100, 100, 900, 300]
    scene = Image.new("RGB", (96, 64), (0, 0, 0))
    image, fields = composite_form(
        scene, form_with_red_field(box), [{"name": "n", "label": "N", "value": "v", "box": box}], 2
    )
    x0, y0, x1, y1 = fields[0]["box"]
    assert 0 <= x0 < x1 <= 96 and 0 <= y0 < y1 <= 64
