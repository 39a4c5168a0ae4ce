"""Heatmap PNGs and a self-contained HTML report for scoring summary rows.

    files = report_files(rows)      # {"report.html": bytes, "heatmap-<model>-<test>-asr.png": ...}

Heatmaps show framing x target type (each with its "all" margin) for one model, one test
and one metric (ASR or RR), drawn with Pillow: a white-to-colour scale, the value and `n`
in every cell, a legend. The HTML (`templates/report.html`, a Jinja2 template with autoescaping)
embeds the same PNGs as data URLs, so the one file can
be mailed or uploaded; several models appear side by side. Outputs are deterministic.
"""

import base64
import functools
import io
import re
from pathlib import Path

import jinja2
from PIL import Image, ImageDraw, ImageFont

from benchmark.scoring.tally import ALL, CANONICAL_ORDER, CELL_KEYS

TEMPLATES = Path(__file__).resolve().parent / "templates"
METRICS = {"asr": ("ASR", (178, 24, 43)), "rr": ("RR", (33, 102, 172))}
FULL_TABLE_LIMIT = 5000
_CELL_W, _CELL_H, _LABEL_W, _MARGIN = 104, 52, 120, 16
_TITLE_H, _HEADER_H, _LEGEND_H = 30, 26, 46
_WHITE, _INK, _EMPTY, _GRID = (255, 255, 255), (34, 34, 34), (228, 228, 228), (200, 200, 200)


class _Index:
    """Rows by their six keys, plus the values present for each key."""

    def __init__(self, rows: list[dict]):
        self.rows = {tuple(row[key] for key in ("model", *CELL_KEYS)): row for row in rows}
        self.models = list(dict.fromkeys(row["model"] for row in rows))
        self.values = {key: _ordered(key, {row[key] for row in rows}) for key in CELL_KEYS}

    def get(self, model: str, test: str, **keys) -> dict | None:
        cell = tuple(keys.get(key, ALL) for key in CELL_KEYS[1:])
        return self.rows.get((model, test, *cell))


def _ordered(key: str, values: set[str]) -> list[str]:
    known = [value for value in CANONICAL_ORDER[key] if value in values]
    unknown = sorted(values - set(known) - {ALL})
    return known + unknown + ([ALL] if ALL in values else [])


def report_files(rows: list[dict], provenance: dict | None = None) -> dict[str, bytes]:
    """Every heatmap PNG and report.html, by file name."""
    heatmaps = heatmap_files(rows)
    return {**heatmaps, "report.html": report_html(rows, heatmaps, provenance).encode()}


def heatmap_files(rows: list[dict]) -> dict[str, bytes]:
    """One PNG per model x test x metric, named heatmap-<model>-<test>-<metric>.png."""
    index = _Index(rows)
    files = {}
    for model, slug in _model_slugs(index.models).items():
        for test in index.values["test"]:
            for metric in METRICS:
                files[f"heatmap-{slug}-{test}-{metric}.png"] = _heatmap(index, model, test, metric)
    return files


def _model_slugs(models: list[str]) -> dict[str, str]:
    slugs: dict[str, str] = {}
    for model in models:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-.") or "model"
        while slug in slugs.values():
            slug += "-"
        slugs[model] = slug
    return slugs


def _heatmap(index: _Index, model: str, test: str, metric: str) -> bytes:
    framings, types = index.values["framing"], index.values["target_type"]
    label, colour = METRICS[metric]
    width = _MARGIN * 2 + _LABEL_W + _CELL_W * len(types)
    height = _MARGIN * 2 + _TITLE_H + _HEADER_H + _CELL_H * len(framings) + _LEGEND_H
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    fonts = {size: ImageFont.load_default(size=size) for size in (11, 13, 15)}
    draw.text((_MARGIN, _MARGIN), f"{model} - {test} - {label}", fill=_INK, font=fonts[15])
    top = _MARGIN + _TITLE_H + _HEADER_H
    left = _MARGIN + _LABEL_W
    for column, target_type in enumerate(types):
        centre = (left + column * _CELL_W + _CELL_W // 2, top - _HEADER_H // 2)
        draw.text(centre, target_type, fill=_INK, font=fonts[13], anchor="mm")
    for line, framing in enumerate(framings):
        y = top + line * _CELL_H
        draw.text((_MARGIN, y + _CELL_H // 2), framing, fill=_INK, font=fonts[13], anchor="lm")
        for column, target_type in enumerate(types):
            row = index.get(model, test, framing=framing, target_type=target_type)
            box = (left + column * _CELL_W, y, left + (column + 1) * _CELL_W - 1, y + _CELL_H - 1)
            _draw_cell(draw, box, row, metric, colour, fonts)
    _draw_legend(draw, (left, top + len(framings) * _CELL_H + 14), colour, fonts[11])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _draw_cell(draw, box, row, metric, colour, fonts) -> None:
    value = None if row is None else row[metric]
    fill = _EMPTY if value is None else _blend(colour, value)
    draw.rectangle(box, fill=fill, outline=_GRID)
    centre_x, centre_y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    ink = _WHITE if value is not None and value > 0.55 else _INK
    text = "n/a" if value is None else f"{value:.2f}"
    draw.text((centre_x, centre_y - 8), text, fill=ink, font=fonts[15], anchor="mm")
    if row is not None:
        missed = row["errors"] + row["missing"]
        note = f"n={row['n']}" + (f" err={missed}" if missed else "")
        draw.text((centre_x, centre_y + 12), note, fill=ink, font=fonts[11], anchor="mm")


def _draw_legend(draw, origin, colour, font) -> None:
    x, y = origin
    steps = 200
    for step in range(steps):
        draw.line([(x + step, y), (x + step, y + 10)], fill=_blend(colour, step / (steps - 1)))
    draw.rectangle((x, y, x + steps - 1, y + 10), outline=_INK)
    for share in (0.0, 0.5, 1.0):
        tick_x = x + round(share * (steps - 1))
        draw.line([(tick_x, y + 10), (tick_x, y + 14)], fill=_INK)
        draw.text((tick_x, y + 16), f"{share:g}", fill=_INK, font=font, anchor="mt")


def _blend(colour: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    return tuple(round(255 + (channel - 255) * share) for channel in colour)


def report_html(
    rows: list[dict],
    heatmaps: dict[str, bytes] | None = None,
    provenance: dict | None = None,
) -> str:
    """The report page (from templates/report.html, autoescaped); `heatmaps` (from
    heatmap_files) are embedded as data URLs, `provenance` (per model: how its responses
    were made) is shown when given."""
    index = _Index(rows)
    heatmaps = heatmap_files(rows) if heatmaps is None else heatmaps
    return _template().render(
        models=index.models,
        overview=[
            row
            for model in index.models
            for test in index.values["test"]
            if (row := index.get(model, test)) is not None
        ],
        provenance=provenance,
        sections=[
            {
                "title": title,
                "key": key,
                "tables": [_dimension_table(index, test, key) for test in index.values["test"]],
            }
            for key, title in _SECTIONS
        ],
        heatmaps=_heatmap_groups(index, heatmaps),
        all_rows=rows if len(rows) <= FULL_TABLE_LIMIT else None,
        row_count=len(rows),
        row_keys=("model", *CELL_KEYS),
    )


_SECTIONS = (
    ("framing", "framing"),
    ("target_type", "target type"),
    ("scenario", "scenario"),
    ("source", "source"),
)


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html")


def _dimension_table(index: _Index, test: str, key: str) -> dict:
    lines = []
    for value in index.values[key]:
        found = [index.get(model, test, **{key: value}) for model in index.models]
        if any(found):  # e.g. framings the retention test does not use are left out
            lines.append({"value": value, "rows": found})
    return {"test": test, "lines": lines}


def _heatmap_groups(index: _Index, heatmaps: dict[str, bytes]) -> list[dict]:
    slugs = _model_slugs(index.models)
    groups = []
    for test in index.values["test"]:
        for metric, (label, _colour) in METRICS.items():
            figures = [
                {"model": model, "name": name, "data": base64.b64encode(heatmaps[name]).decode()}
                for model, slug in slugs.items()
                if (name := f"heatmap-{slug}-{test}-{metric}.png") in heatmaps
            ]
            groups.append({"label": label, "test": test, "figures": figures})
    return groups
