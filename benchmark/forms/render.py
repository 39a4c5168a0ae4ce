"""Fill a scenario's form with an identity's values: the image and its ground truth."""

import hashlib
import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw

from benchmark.forms import layouts
from benchmark.forms.sheet import Layout, Line, Slot, Text, line_height, load_font, paint
from benchmark.vocab import SCENARIOS, TARGET_TYPES, carries_target_type

PNG_COMPRESS_LEVEL = 1
HAND_MIN_SIZE = 14
_MAX_DRIFT = 8
_MARK_WIDTH = 3


@dataclass(frozen=True)
class FormField:
    """One value on the form. `value` is the text as drawn (dates as the form writes
    them); `box` [x0, y0, x1, y1] is the drawn text's extent. A checkbox field's value
    is its ticked option's printed text and its box the mark's extent. Where nothing is
    drawn (a blank form, an empty value) `value` is "" and `box` the writing area or
    the checkbox's square."""

    name: str
    label: str
    value: str
    box: list[int]

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "value": self.value, "box": list(self.box)}


@dataclass
class RenderedForm:
    image: Image.Image
    fields: list[FormField]
    scenario: str
    variant: int
    target_type: str | None = None

    def to_png(self) -> bytes:
        """PNG bytes, the same for the same inputs: no metadata, fixed compression."""
        buffer = io.BytesIO()
        self.image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()


@dataclass(frozen=True)
class FormPlan:
    """Everything a render draws: the layout's static operations, then `value_ops`."""

    layout: Layout
    value_ops: tuple
    fields: list[FormField]
    target_type: str | None


def variant_count(scenario: str) -> int:
    _check_scenario(scenario)
    return layouts.variant_count(scenario)


def render_form(
    identity: dict,
    scenario: str,
    variant: int = 0,
    *,
    target_type: str | None = None,
    blank: bool = False,
    hand: bool = False,
) -> RenderedForm:
    """Draw `identity`'s values on the scenario's form (variant `variant`).

    target_type: which value the open scenario's table shows (required there, ignored
    elsewhere). blank: the empty form, for printing. hand: values in a handwriting font.
    Raises ValueError for an unknown scenario, variant or target type, an identity that
    lacks a value the form needs, or a value too long to fit its box.
    """
    plan = plan_form(identity, scenario, variant, target_type=target_type, blank=blank, hand=hand)
    image = _template(scenario, variant, plan.target_type).copy()
    paint(ImageDraw.Draw(image), plan.value_ops)
    return RenderedForm(image, plan.fields, scenario, variant, plan.target_type)


def plan_form(
    identity: dict,
    scenario: str,
    variant: int = 0,
    *,
    target_type: str | None = None,
    blank: bool = False,
    hand: bool = False,
) -> FormPlan:
    """What `render_form` draws, without drawing it (arguments as there; a blank form
    reads nothing from `identity`)."""
    _check_scenario(scenario)
    target = _target(scenario, target_type)
    if not 0 <= variant < layouts.variant_count(scenario):
        raise ValueError(
            f"variant {variant} does not exist for {scenario}: "
            f"use 0..{layouts.variant_count(scenario) - 1}"
        )
    layout = layouts.layout(scenario, variant, target)
    filler = _Filler(layout, hand, str(identity.get("id", "")))
    if blank:
        for slot in layout.slots:
            filler.fill(slot, "")
    else:
        shown = layouts.values(scenario, identity, target)
        for slot in layout.slots:
            filler.fill(slot, shown[slot.name])
        filler.check_every_group_marked(shown)
    return FormPlan(layout, tuple(filler.ops), filler.fields, target)


def _target(scenario: str, target_type: str | None) -> str | None:
    if not carries_target_type(scenario):
        return None
    if target_type not in TARGET_TYPES:
        raise ValueError(
            f"the open scenario needs target_type, one of {list(TARGET_TYPES)}; got {target_type!r}"
        )
    return target_type


def _check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: use one of {list(SCENARIOS)}")


@cache
def _template(scenario: str, variant: int, target_type: str | None) -> Image.Image:
    """The empty form, drawn once per process and copied for each render."""
    layout = layouts.layout(scenario, variant, target_type)
    image = Image.new("RGB", layout.size, layout.paper)
    paint(ImageDraw.Draw(image), layout.ops)
    return image


class _Filler:
    def __init__(self, layout: Layout, hand: bool, identity_id: str):
        theme = layout.theme
        self.layout, self.hand, self.identity_id = layout, hand, identity_id
        self.font = theme.hand_font if hand else theme.value_font
        self.size = theme.hand_size if hand else theme.value_size
        self.min_size = max(theme.min_value_size, HAND_MIN_SIZE) if hand else theme.min_value_size
        self.ink = theme.hand_ink if hand else theme.value_ink
        self.ops: list = []
        self.fields: list[FormField] = []
        self.marked: set[str] = set()

    def fill(self, slot: Slot, value: str) -> None:
        value = " ".join(value.split())
        if slot.kind == "check":
            self._fill_check(slot, value)
        elif value:
            self._write(slot, value)
        else:
            self.fields.append(FormField(slot.name, slot.label, "", list(slot.box)))

    def check_every_group_marked(self, shown: dict[str, str]) -> None:
        groups = {slot.name for slot in self.layout.slots if slot.kind == "check"}
        for name in sorted(groups - self.marked):
            options = [slot.option for slot in self.layout.slots if slot.name == name]
            raise ValueError(f"{name} is {shown[name]!r}; the form offers only {options}")

    def _fill_check(self, slot: Slot, value: str) -> None:
        if not value:
            self.fields.append(FormField(slot.name, slot.label, "", list(slot.box)))
            return
        if value != slot.option:
            return
        points = _tick(slot.box) if self.hand else _cross(slot.box)
        for line in points:
            self.ops.append(Line(line, self.ink, _MARK_WIDTH))
        xs = [x for line in points for x in line[0::2]]
        ys = [y for line in points for y in line[1::2]]
        half = _MARK_WIDTH // 2 + 1
        box = [min(xs) - half, min(ys) - half, max(xs) + half, max(ys) + half]
        self.fields.append(FormField(slot.name, slot.label, slot.text, box))
        self.marked.add(slot.name)

    def _write(self, slot: Slot, value: str) -> None:
        x0, y0, x1, y1 = slot.box
        room = (x0, y0, x1 - _MAX_DRIFT if self.hand else x1, y1)
        lines, size = fit_text(slot.name, value, self.font, self.size, self.min_size, room)
        font, height = load_font(self.font, size), line_height(self.font, size)
        if slot.valign == "bottom":
            top = y1 - len(lines) * height
        else:
            top = y0 + (y1 - y0 - len(lines) * height) // 2
        dx, dy = self._jitter(slot, len(lines) * height)
        placed = []
        for index, line in enumerate(lines):
            if slot.align == "center":
                x = round((x0 + x1 - font.getlength(line)) / 2)
            else:
                x = x0 + 4 + dx
            y = top + dy + index * height
            left, upper, right, lower = font.getbbox(line, anchor="la")
            placed.append((line, x, y, [x + left, y + upper, x + right, y + lower]))
        shift = _shift_into(y0, y1, min(p[3][1] for p in placed), max(p[3][3] for p in placed))
        for line, x, y, _ in placed:
            self.ops.append(Text((x, y + shift), line, self.font, size, self.ink))
        box = [
            min(p[3][0] for p in placed),
            min(p[3][1] for p in placed) + shift,
            max(p[3][2] for p in placed),
            max(p[3][3] for p in placed) + shift,
        ]
        self.fields.append(FormField(slot.name, slot.label, value, box))

    def _jitter(self, slot: Slot, text_height: int) -> tuple[int, int]:
        """A writer's small, repeatable drift (hand only): right by 0..8 px, up or down
        by up to 3 px where the box has room."""
        if not self.hand:
            return 0, 0
        digest = hashlib.blake2b(
            f"{self.identity_id}\0{slot.name}".encode(), digest_size=2
        ).digest()
        room = max(0, (slot.box[3] - slot.box[1] - text_height) // 2)
        return digest[0] % (_MAX_DRIFT + 1), max(-room, min(room, digest[1] % 7 - 3))


def _shift_into(top: int, bottom: int, ink_top: int, ink_bottom: int) -> int:
    """How far to move ink vertically to keep it inside top..bottom (some handwriting
    glyphs reach past the font's own ascent and descent)."""
    if ink_bottom > bottom:
        return max(bottom - ink_bottom, top - ink_top)
    if ink_top < top:
        return min(top - ink_top, bottom - ink_bottom)
    return 0


def _cross(square) -> list[tuple[int, ...]]:
    x0, y0, x1, y1 = square
    return [(x0 + 4, y0 + 4, x1 - 4, y1 - 4), (x0 + 4, y1 - 4, x1 - 4, y0 + 4)]


def _tick(square) -> list[tuple[int, ...]]:
    """A hand-drawn tick: down into the square, then up past its top-right corner."""
    x0, y0, x1, y1 = square
    bottom_x = x0 + (x1 - x0) * 2 // 5
    return [(x0 + 3, (y0 + y1) // 2, bottom_x, y1 - 3, x1 + 4, y0 - 5)]


def fit_text(
    name: str, text: str, font_key: str, size: int, min_size: int, box
) -> tuple[list[str], int]:
    """Lines and font size that fit `text` in `box`: one line at the largest size from
    `size` down to `min_size`, else wrapped lines at the largest size whose lines all fit.
    Raises ValueError naming the field when even that cannot fit."""
    width, height = box[2] - box[0] - 8, box[3] - box[1]
    for candidate in range(size, min_size - 1, -1):
        font = load_font(font_key, candidate)
        if font.getlength(text) <= width and line_height(font_key, candidate) <= height:
            return [text], candidate
    for candidate in range(size, min_size - 1, -1):
        lines_fit = height // line_height(font_key, candidate)
        if lines_fit >= 2:
            lines = _wrap(text, load_font(font_key, candidate), width)
            if len(lines) <= lines_fit:
                return lines, candidate
    raise ValueError(
        f"the value of field {name!r} ({len(text)} characters) does not fit its box "
        f"({width}x{height} px), even wrapped at {min_size} px"
    )


def _wrap(text: str, font, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
            continue
        while font.getlength(word) > width:
            cut = _longest_prefix(word, font, width)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines


def _longest_prefix(word: str, font, width: float) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low
