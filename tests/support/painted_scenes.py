"""Synthetic scenes for machine reading: textured or noisy backgrounds with everyday text
painted on them (shop signs, prices, dates, room numbers) and, when asked, personal-looking
values (a phone number, an email address, sometimes an SSN) in one of the shipped fonts, at
various sizes and angles. `painted_scene(seed, with_pii)` is deterministic for its seed and
returns the image and what was painted where, so a test or perf/reading.py can check what
read_check flags."""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from benchmark.forms.sheet import FONT_FILES, load_font
from benchmark.identities import AREA_CODES

SIZE = (768, 512)
# Everyday text with numbers that are no phone, SSN or email (the false flags to avoid).
EVERYDAY = (
    "OPEN",
    "Fresh Coffee",
    "Room 214",
    "Sale 30% off",
    "$12.99",
    "Since 1987",
    "10/23/2024",
    "Exit",
    "Floor 3",
    "Order #58213",
    "Mon-Fri 9:00-17:00",
    "Platform 9",
    "www.example.org",
    "No parking",
    "Aisle 12",
    "Gate B22",
    "Table 7",
    "ZIP 22367",
    "Page 4 of 12",
    "Batch 2024-117",
)
_FIRST = ("jane", "omar", "lucia", "tom", "mei", "alex", "nina", "raj", "sam", "ana")
_LAST = ("doe", "khan", "rossi", "baker", "chen", "ortiz", "novak", "patel", "reed", "silva")
_DOMAINS = ("example.com", "example.net", "mail.example.org", "example.co")


@dataclass(frozen=True)
class Painted:
    """One painted value: its target type ("" for everyday text), text and box."""

    kind: str
    text: str
    box: tuple[int, int, int, int]


def painted_scene(seed: int, with_pii: bool) -> tuple[Image.Image, list[Painted]]:
    """A scene; with `with_pii`, a phone number and an email address (and in one scene of
    three an SSN) among the everyday text."""
    rng = np.random.default_rng(seed)
    image = _background(rng)
    texts = []
    if with_pii:  # placed first, so each finds room
        texts += [("phone", _phone(rng)), ("email", _email(rng))]
        if rng.random() < 1 / 3:
            texts.append(("ssn", _ssn(rng)))
    texts += [("", str(rng.choice(EVERYDAY))) for _ in range(int(rng.integers(2, 5)))]
    painted, taken = [], []
    for kind, text in texts:
        placed = _paint(image, text, rng, taken, large=bool(kind))
        if placed is not None:
            painted.append(Painted(kind, text, placed))
    return image, painted


def _background(rng) -> Image.Image:
    width, height = SIZE
    style = rng.integers(3)
    base = rng.uniform(40, 220, 3)
    if style == 0:  # smooth gradient and sensor-like noise
        ramp = np.linspace(0, 1, width)[None, :, None] * rng.uniform(-60, 60, 3)
        pixels = base + ramp + rng.normal(0, rng.uniform(3, 12), (height, width, 1))
    elif style == 1:  # blotchy texture (wood, fabric, wall)
        coarse = rng.normal(0, 1, (height // 32 + 2, width // 32 + 2, 3))
        blotches = Image.fromarray(((coarse * 30) + 128).clip(0, 255).astype(np.uint8))
        blotches = blotches.resize(SIZE, Image.Resampling.BICUBIC)
        pixels = base + (np.asarray(blotches, dtype=np.float32) - 128)
        pixels += rng.normal(0, 6, (height, width, 1))
    else:  # clutter: soft shapes in other colours
        pixels = np.broadcast_to(base, (height, width, 3)).astype(np.float32)
        clutter = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(clutter)
        for _ in range(int(rng.integers(6, 14))):
            x, y = rng.integers(0, width), rng.integers(0, height)
            w, h = rng.integers(40, 260), rng.integers(40, 200)
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape([x, y, x + w, y + h], fill=colour)
        blurred = clutter.filter(ImageFilter.GaussianBlur(float(rng.uniform(4, 12))))
        pixels = np.asarray(blurred, dtype=np.float32) + rng.normal(0, 4, (height, width, 1))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _paint(image: Image.Image, text: str, rng, taken: list, large: bool):
    """Draw `text` somewhere free, turned by a small angle, in a colour that stands out
    from the background there; its box, or None when no free place was found. A text too
    wide for the scene is drawn smaller."""
    font_key = str(rng.choice(sorted(FONT_FILES)))
    size = int(rng.integers(22, 46) if large else rng.integers(16, 40))
    if font_key.startswith("hand"):
        size += 6
    angle = float(rng.uniform(-15, 15))
    layer = _text_layer(text, font_key, size, angle)
    while layer.width > image.width * 0.8 and size > 16:
        size -= 4
        layer = _text_layer(text, font_key, size, angle)
    if layer.width >= image.width - 20 or layer.height >= image.height - 20:
        return None
    for _ in range(60):
        x = int(rng.integers(10, image.width - layer.width - 10))
        y = int(rng.integers(10, image.height - layer.height - 10))
        box = (x, y, x + layer.width, y + layer.height)
        if not any(_overlap(box, other) for other in taken):
            break
    else:
        return None
    region = np.asarray(image.crop(box), dtype=np.float32).mean()
    shade = int(rng.integers(0, 50)) if region > 128 else int(rng.integers(215, 256))
    tint = tuple(min(255, max(0, shade + int(rng.integers(-20, 21)))) for _ in range(3))
    image.paste(Image.new("RGB", layer.size, tint), (x, y), layer)
    taken.append(box)
    ink = layer.getbbox() or (0, 0, layer.width, layer.height)
    return (x + ink[0], y + ink[1], x + ink[2], y + ink[3])


def _text_layer(text: str, font_key: str, size: int, angle: float) -> Image.Image:
    """The text's ink as a mask, turned by `angle` degrees."""
    font = load_font(font_key, size)
    left, top, right, bottom = font.getbbox(text)
    pad = 6
    layer = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(layer).text((pad - left, pad - top), text, font=font, fill=255)
    return layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)


def _overlap(a, b) -> bool:
    return a[0] < b[2] + 8 and b[0] < a[2] + 8 and a[1] < b[3] + 8 and b[1] < a[3] + 8


def _phone(rng) -> str:
    states = sorted(AREA_CODES)
    area = str(rng.choice(AREA_CODES[str(rng.choice(states))]))
    exchange, line = f"{rng.integers(200, 1000)}", f"{rng.integers(0, 10000):04d}"
    shapes = (
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area} {exchange} {line}",
        f"Call {area}-{exchange}-{line}",
        f"Tel: ({area}) {exchange}-{line}",
    )
    return str(rng.choice(shapes))


def _email(rng) -> str:
    local = f"{rng.choice(_FIRST)}{rng.choice(['.', '_', ''])}{rng.choice(_LAST)}"
    if rng.random() < 0.4:
        local += str(rng.integers(1, 99))
    address = f"{local}@{rng.choice(_DOMAINS)}"
    return f"Email: {address}" if rng.random() < 0.3 else address


def _ssn(rng) -> str:
    area = int(rng.integers(1, 899))
    area += area >= 666
    return f"SSN {area:03d}-{rng.integers(1, 100):02d}-{rng.integers(1, 10000):04d}"
