"""Compositing a rendered form into a generated scene, with its field boxes carried along.

The form is warped onto a random quadrilateral (scale, rotation, perspective tilt), lit with a
brightness gradient and a colour cast, softened with a blur and given a soft shadow. Each field box
[x0, y0, x1, y1] becomes the warped quadrilateral (`quad`) and its axis-aligned bounding box
(`box`) in scene pixels. Everything random comes from `seed`, so the output is reproducible.
"""

import math
import random
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

Point = tuple[float, float]


def composite_form(
    scene: Image.Image, form: Image.Image, fields: Sequence, seed: int
) -> tuple[Image.Image, list[dict]]:
    """Paste `form` into `scene`; `fields` are dicts or objects with name, label, value, box."""
    rng = random.Random(seed)
    corners = _corners(form.size)
    quad = _placement(form.size, scene.size, rng)
    scene_to_form = _homography(quad, corners)
    form_to_scene = _homography(corners, quad)
    source = _shrunk_to(form.convert("RGBA"), quad).convert("RGBa")  # premultiplied: no fringe
    scene_to_source = np.diag([source.width / form.width, source.height / form.height, 1.0])
    scene_to_source = scene_to_source @ scene_to_form
    warped = source.transform(
        scene.size,
        Image.Transform.PERSPECTIVE,
        tuple(scene_to_source.flatten()[:8] / scene_to_source[2, 2]),
        resample=Image.Resampling.BICUBIC,
    )
    warped = _light(warped, quad, rng).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    warped = warped.convert("RGBA")
    result = _with_shadow(scene.convert("RGBA"), warped.getchannel("A"), rng)
    result = Image.alpha_composite(result, warped).convert("RGB")
    return result, [_moved_field(field, form_to_scene, scene.size) for field in fields]


def _corners(size: tuple[int, int]) -> list[Point]:
    width, height = size
    return [(0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height))]


def _placement(form_size, scene_size, rng: random.Random) -> list[Point]:
    """A random quadrilateral (clockwise from top-left) that fits inside the scene."""
    form_w, form_h = form_size
    scene_w, scene_h = scene_size
    scale = rng.uniform(0.45, 0.7) * min(scene_w / form_w, scene_h / form_h)
    half_w, half_h = form_w * scale / 2, form_h * scale / 2
    tilt = rng.uniform(0.0, 0.15)  # the top edge recedes: a page lying on a table, seen obliquely
    angle = math.radians(rng.uniform(-12.0, 12.0))
    jitter = 0.03 * min(half_w, half_h)
    relative = []
    for x, y in [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]:
        x = x * (1 - tilt) if y < 0 else x
        x, y = x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)
        relative.append(
            (x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle))
        )
    return _fit(relative, scene_w, scene_h, rng)


def _fit(relative: list[Point], scene_w: int, scene_h: int, rng: random.Random) -> list[Point]:
    """Shrink the quad if it is too big, then place its centre so it stays 2 px inside."""
    margin = 2.0
    span_x = max(x for x, _ in relative) - min(x for x, _ in relative)
    span_y = max(y for _, y in relative) - min(y for _, y in relative)
    shrink = min(1.0, (scene_w - 2 * margin) / span_x, (scene_h - 2 * margin) / span_y)
    relative = [(x * shrink, y * shrink) for x, y in relative]
    low_x = margin - min(x for x, _ in relative)
    high_x = scene_w - margin - max(x for x, _ in relative)
    low_y = margin - min(y for _, y in relative)
    high_y = scene_h - margin - max(y for _, y in relative)
    centre_x, centre_y = rng.uniform(low_x, high_x), rng.uniform(low_y, high_y)
    return [(centre_x + x, centre_y + y) for x, y in relative]


def _shrunk_to(form: Image.Image, quad: list[Point]) -> Image.Image:
    """The form resized (antialiased) to about the quad's size: the warp itself does not filter
    when it shrinks, so thin lines would break up into dashes."""
    top_left, top_right, bottom_right, bottom_left = quad
    width = max(math.dist(top_left, top_right), math.dist(bottom_left, bottom_right))
    height = max(math.dist(top_left, bottom_left), math.dist(top_right, bottom_right))
    if width >= form.width and height >= form.height:
        return form
    size = (max(1, math.ceil(width)), max(1, math.ceil(height)))
    return form.resize(size, Image.Resampling.LANCZOS)


def _homography(source: list[Point], target: list[Point]) -> np.ndarray:
    """The 3x3 projective map taking each source corner to the matching target corner."""
    rows, values = [], []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.extend([u, v])
    solution = np.linalg.solve(np.array(rows, dtype=float), np.array(values, dtype=float))
    return np.append(solution, 1.0).reshape(3, 3)


def _apply(matrix: np.ndarray, point: Point) -> Point:
    x, y, w = matrix @ np.array([point[0], point[1], 1.0])
    return (float(x / w), float(y / w))


def _light(warped: Image.Image, quad: list[Point], rng: random.Random) -> Image.Image:
    """A brightness gradient across the page in a random direction plus a warm or cool cast."""
    width, height = warped.size
    direction = rng.uniform(0, 2 * math.pi)
    centre_x = sum(x for x, _ in quad) / 4
    centre_y = sum(y for _, y in quad) / 4
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = ((xs - centre_x) * math.cos(direction) + (ys - centre_y) * math.sin(direction)) / max(
        width, height
    )
    brightness = np.clip(rng.uniform(0.85, 0.95) + rng.uniform(0.2, 0.4) * along, 0.6, 1.05)
    cast = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.88, 1.02)], dtype=np.float32)
    pixels = np.asarray(warped, dtype=np.float32).copy()
    pixels[..., :3] *= brightness[..., None] * cast
    # Premultiplied colour may not exceed alpha, or the page would glow at its edges.
    pixels[..., :3] = np.minimum(pixels[..., :3], pixels[..., 3:4])
    return Image.fromarray(np.round(pixels).astype(np.uint8), "RGBa")


def _with_shadow(scene: Image.Image, alpha: Image.Image, rng: random.Random) -> Image.Image:
    offset = (rng.randint(1, 4), rng.randint(1, 4))
    spread = alpha.filter(ImageFilter.GaussianBlur(rng.uniform(2.0, 5.0)))
    shade = Image.new("L", scene.size, 0)
    shade.paste(spread.point(lambda value: int(value * 0.4)), offset)
    shadow = Image.new("RGBA", scene.size, (0, 0, 0, 0))
    shadow.putalpha(shade)
    return Image.alpha_composite(scene, shadow)


def _moved_field(field, form_to_scene: np.ndarray, scene_size: tuple[int, int]) -> dict:
    name, label, value, box = (_get(field, key) for key in ("name", "label", "value", "box"))
    x0, y0, x1, y1 = box
    quad = [_apply(form_to_scene, corner) for corner in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
    scene_w, scene_h = scene_size
    bounds = [
        max(0, math.floor(min(x for x, _ in quad))),
        max(0, math.floor(min(y for _, y in quad))),
        min(scene_w, math.ceil(max(x for x, _ in quad))),
        min(scene_h, math.ceil(max(y for _, y in quad))),
    ]
    rounded_quad = [[round(x, 2), round(y, 2)] for x, y in quad]
    return {"name": name, "label": label, "value": value, "box": bounds, "quad": rounded_quad}


def _get(field, key: str):
    return field[key] if isinstance(field, dict) else getattr(field, key)
