"""The drawing vocabulary of forms: fonts, themes, draw operations and a layout builder.

A layout is built once per (scenario, variant): `Sheet` walks down the page and
records static draw operations (titles, section bands, cell borders, labels,
checkbox squares) and the `Slot`s where values go. Nothing here knows about
identities; `benchmark.forms.render` fills the slots.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from PIL import ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FILES = {
    "sans": "LiberationSans-Regular.ttf",
    "sans-bold": "LiberationSans-Bold.ttf",
    "serif": "LiberationSerif-Regular.ttf",
    "serif-bold": "LiberationSerif-Bold.ttf",
    "mono": "LiberationMono-Regular.ttf",
    "hand-print": "BecauseWeConnect-Regular.otf",
    "hand-script": "BecauseWeOrganize-Regular.otf",
}

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]


@cache
def load_font(key: str, size: int) -> ImageFont.FreeTypeFont:
    """A shipped font at a pixel size; loaded once per process."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[key]), size)


def line_height(key: str, size: int) -> int:
    ascent, descent = load_font(key, size).getmetrics()
    return ascent + descent


# Draw operations: plain data, so a baseline can replay them with bare Pillow calls.


class Rect(NamedTuple):
    box: Box
    fill: RGB | None
    outline: RGB | None
    width: int = 1


class Line(NamedTuple):
    """A line through the points `xy` (x0, y0, x1, y1, ...)."""

    xy: tuple[int, ...]
    fill: RGB
    width: int = 1


class Text(NamedTuple):
    """Text whose top-left is at `xy` (Pillow anchor "la": left, ascender)."""

    xy: tuple[int, int]
    text: str
    font: str
    size: int
    fill: RGB


def paint(draw: ImageDraw.ImageDraw, ops) -> None:
    for op in ops:
        if isinstance(op, Text):
            draw.text(op.xy, op.text, fill=op.fill, font=load_font(op.font, op.size), anchor="la")
        elif isinstance(op, Rect):
            draw.rectangle(op.box, fill=op.fill, outline=op.outline, width=op.width)
        else:
            draw.line(op.xy, fill=op.fill, width=op.width)


@dataclass(frozen=True)
class Theme:
    """One visual variant: fonts, colours, sizes and the cell style.

    cells: "grid" puts each label inside a bordered cell above its value (like a
    government form); "lines" puts the value on an underline with the label beneath.
    """

    label_font: str
    heading_font: str
    value_font: str
    hand_font: str
    ink: RGB
    rule: RGB
    band: RGB | None
    band_ink: RGB
    paper: RGB
    field_fill: RGB | None
    value_ink: RGB
    hand_ink: RGB
    cells: str = "grid"
    width: int = 1240
    margin: int = 56
    title_size: int = 34
    heading_size: int = 19
    label_size: int = 15
    value_size: int = 22
    hand_size: int = 28
    min_value_size: int = 11
    gap: int = 10


@dataclass(frozen=True)
class Slot:
    """Where one value goes. kind "text": `box` is the writing area, the value aligned
    "left" or "center" in it and set in its "middle" or on its "bottom" (a line); kind
    "check": `box` is the square to mark when the value equals `option` (printed beside
    it as `text`)."""

    name: str
    label: str
    box: Box
    kind: str = "text"
    option: str = ""
    text: str = ""
    align: str = "left"
    valign: str = "middle"


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    paper: RGB
    ops: tuple
    slots: tuple[Slot, ...]
    theme: Theme


@dataclass(frozen=True)
class Cell:
    """One labelled box in a row; `name` None draws the box with no slot (signatures)."""

    name: str | None
    label: str
    weight: float = 1.0


class Sheet:
    """Builds a layout top to bottom; each method appends a block at the cursor."""

    def __init__(self, theme: Theme):
        self.theme = theme
        self.left, self.right = theme.margin, theme.width - theme.margin
        self.y = theme.margin
        self.ops: list = []
        self.slots: list[Slot] = []

    def text(self, xy, text: str, font: str, size: int, fill: RGB | None = None) -> None:
        self.ops.append(
            Text((round(xy[0]), round(xy[1])), text, font, size, fill or self.theme.ink)
        )

    def width_of(self, text: str, font: str, size: int) -> float:
        return load_font(font, size).getlength(text)

    def title(self, title: str, subtitle: str = "", corner: tuple[str, ...] = ()) -> None:
        """Title (and subtitle) on the left, small form-number lines in the right corner."""
        t = self.theme
        self.text((self.left, self.y), title, t.heading_font, t.title_size)
        for index, line in enumerate(corner):
            width = self.width_of(line, t.label_font, t.label_size)
            self.text(
                (self.right - width, self.y + index * (t.label_size + 4)),
                line,
                t.label_font,
                t.label_size,
            )
        self.y += line_height(t.heading_font, t.title_size) + 2
        if subtitle:
            self.text((self.left, self.y), subtitle, t.label_font, t.heading_size)
            self.y += line_height(t.label_font, t.heading_size)
        self.y += 6
        self.ops.append(Line((self.left, self.y, self.right, self.y), t.rule, 3))
        self.y += 3 + 2 * t.gap

    def section(self, heading: str) -> None:
        """A heading band (filled when the theme has a band colour, else ruled)."""
        t = self.theme
        height = line_height(t.heading_font, t.heading_size) + 12
        if t.band:
            self.ops.append(Rect((self.left, self.y, self.right, self.y + height), t.band, t.rule))
            self.text(
                (self.left + 10, self.y + 6), heading, t.heading_font, t.heading_size, t.band_ink
            )
        else:
            self.text((self.left, self.y + 6), heading, t.heading_font, t.heading_size)
            bottom = self.y + height
            self.ops.append(Line((self.left, bottom, self.right, bottom), t.rule, 2))
        self.y += height + t.gap

    def paragraph(self, text: str, bold: bool = False) -> None:
        t = self.theme
        font = t.heading_font if bold else t.label_font
        for line in _wrap_words(text, font, t.label_size, self.right - self.left):
            self.text((self.left, self.y), line, font, t.label_size)
            self.y += line_height(font, t.label_size)
        self.y += t.gap

    def row(self, *cells: Cell) -> None:
        edges = _edges(self.left, self.right, [cell.weight for cell in cells])
        if self.theme.cells == "grid":
            self._grid_row(cells, edges)
        else:
            self._lines_row(cells, edges)

    def _grid_row(self, cells, edges) -> None:
        t = self.theme
        value_height = round(t.value_size * 1.75)
        label_height = line_height(t.label_font, t.label_size)
        bottom = self.y + 4 + label_height + 2 + value_height + 4
        for cell, x0, x1 in zip(cells, edges, edges[1:], strict=False):
            self.ops.append(Rect((x0, self.y, x1, bottom), None, t.rule))
            self._label(cell.label, x0 + 6, self.y + 4, x1 - x0 - 12)
            area = (x0 + 6, bottom - 4 - value_height, x1 - 6, bottom - 4)
            self._slot(cell, area)
        self.y = bottom + t.gap

    def _lines_row(self, cells, edges) -> None:
        t = self.theme
        value_height = round(t.value_size * 1.75)
        line_y = self.y + value_height + 2
        for index, (cell, x0, x1) in enumerate(zip(cells, edges, edges[1:], strict=False)):
            end = x1 - (0 if index == len(cells) - 1 else 18)
            self.ops.append(Line((x0, line_y, end, line_y), t.rule, 1))
            self._label(cell.label, x0, line_y + 4, end - x0)
            self._slot(cell, (x0 + 2, self.y, end - 2, line_y - 1), valign="bottom")
        self.y = line_y + 4 + line_height(t.label_font, t.label_size) + 2 * t.gap

    def _label(self, label: str, x: int, y: int, width: int) -> None:
        t = self.theme
        if self.width_of(label, t.label_font, t.label_size) > width:
            raise ValueError(f"label {label!r} is wider than its cell ({width} px); widen the cell")
        self.text((x, y), label, t.label_font, t.label_size)

    def _slot(self, cell: Cell, area: Box, valign: str = "middle") -> None:
        if cell.name is None:
            return
        if self.theme.field_fill:
            self.ops.append(Rect(area, self.theme.field_fill, None))
        self.slots.append(Slot(cell.name, cell.label, area, valign=valign))

    def checks(self, name: str, question: str, options, columns: int) -> None:
        """The question, then one checkbox per (value, printed text) option, `columns`
        options to a line."""
        t = self.theme
        self.text((self.left, self.y), question, t.heading_font, t.label_size)
        self.y += line_height(t.heading_font, t.label_size) + 8
        size = t.label_size + 5
        column_width = (self.right - self.left) // columns
        for index, (option, text) in enumerate(options):
            x = self.left + (index % columns) * column_width
            y = self.y + (index // columns) * (size + 12)
            square = (x, y, x + size, y + size)
            self.ops.append(Rect(square, t.paper, t.ink, 2))
            self._label(text, x + size + 10, y + 2, column_width - size - 20)
            self.slots.append(Slot(name, question, square, "check", option, text))
        lines = -(-len(options) // columns)
        self.y += lines * (size + 12) + t.gap

    def finish(self) -> Layout:
        height = self.y + self.theme.margin
        return Layout(
            (self.theme.width, height),
            self.theme.paper,
            tuple(self.ops),
            tuple(self.slots),
            self.theme,
        )


def _edges(left: int, right: int, weights: list[float]) -> list[int]:
    total, edges, running = sum(weights), [left], 0.0
    for weight in weights:
        running += weight
        edges.append(left + round((right - left) * running / total))
    return edges


def _wrap_words(text: str, font: str, size: int, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and load_font(font, size).getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
