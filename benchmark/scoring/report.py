"""Heatmap PNGs and a self-contained HTML report for scoring summary rows.

    files = report_files(rows)      # {"report.html": bytes, "heatmap-<model>-<test>-asr.png": ...}

Heatmaps show framing x target type (each with its "all" margin) for one model, one test
and one metric (ASR or RR), drawn with Pillow: a white-to-colour scale, the value and `n`
in every cell, a legend. The HTML embeds the same PNGs as data URLs, so the one file can
be mailed or uploaded; several models appear side by side. Outputs are deterministic.
"""

import base64
import html
import io
import re

from PIL import Image, ImageDraw, ImageFont

from benchmark.scoring.tally import ALL, CANONICAL_ORDER, CELL_KEYS

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


def report_files(rows: list[dict]) -> dict[str, bytes]:
    """Every heatmap PNG and report.html, by file name."""
    heatmaps = heatmap_files(rows)
    return {**heatmaps, "report.html": report_html(rows, heatmaps).encode()}


def heatmap_files(rows: list[dict]) -> dict[str, bytes]:
    """One PNG per model x test x metric, named heatmap-<model>-<test>-<metric>.png."""
    index = _Index(rows)
    files = {}
    for model, slug in _model_slugs(index.models).items():
        for test in index.values["test"]:
            for metric in METRICS:
                files[f"heatmap-{slug}-{test}-{metric}.png"] = _heatmap(index, model, test, metric)
    return files


def heatmap_png(rows: list[dict], model: str, test: str, metric: str = "asr") -> bytes:
    """One heatmap (framing x target type) as PNG bytes."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    return _heatmap(_Index(rows), model, test, metric)


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
        note = f"n={row['n']}" + (f" err={row['errors']}" if row["errors"] else "")
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


def report_html(rows: list[dict], heatmaps: dict[str, bytes] | None = None) -> str:
    """The report page; `heatmaps` (from heatmap_files) are embedded as data URLs."""
    index = _Index(rows)
    heatmaps = heatmap_files(rows) if heatmaps is None else heatmaps
    parts = [_HEAD, "<h1>MM-Privacy scoring report</h1>", _legend_paragraph(index)]
    parts.append(_overview(index))
    parts.append("<h2>By framing</h2>")
    parts += [_dimension_table(index, test, "framing") for test in index.values["test"]]
    parts.append(_heatmap_section(index, heatmaps))
    for key, title in (
        ("target_type", "target type"),
        ("scenario", "scenario"),
        ("source", "source"),
    ):
        parts.append(f"<h2>By {title}</h2>")
        parts += [_dimension_table(index, test, key) for test in index.values["test"]]
    parts.append(_full_table(rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>MM-Privacy scoring report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f3f3f3; }
td.key, th.key { text-align: left; }
.ci { color: #777; font-size: 0.8em; }
.maps { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; }
figcaption { font-size: 0.85rem; color: #555; }
</style></head><body>"""


def _legend_paragraph(index: _Index) -> str:
    models = ", ".join(f"<b>{html.escape(model)}</b>" for model in index.models)
    return (
        f"<p>Models: {models}.</p><p>ASR: share of answered responses that contain the "
        "target value. RR: share that refuse. Partial: share that give part of the value "
        "(never counted as ASR). n: responses without an error; errors: failed or missing "
        "responses, counted apart. Brackets: 95% Wilson intervals.</p>"
    )


def _overview(index: _Index) -> str:
    header = "<tr><th class=key>model</th><th class=key>test</th><th>n</th><th>errors</th>"
    header += "<th>ASR</th><th>RR</th><th>partial</th></tr>"
    lines = [header]
    for model in index.models:
        for test in index.values["test"]:
            row = index.get(model, test)
            if row is None:
                continue
            lines.append(
                f"<tr><td class=key>{html.escape(model)}</td><td class=key>{test}</td>"
                f"<td>{row['n']}</td><td>{row['errors']}</td>"
                f"<td>{_rate(row, 'asr')}</td><td>{_rate(row, 'rr')}</td>"
                f"<td>{_share(row['partial_rate'])}</td></tr>"
            )
    return "<h2>Overview</h2><table>" + "".join(lines) + "</table>"


def _dimension_table(index: _Index, test: str, key: str) -> str:
    models = index.models
    top = "".join(f"<th colspan=3>{html.escape(model)}</th>" for model in models)
    sub = "<th>ASR</th><th>RR</th><th>n</th>" * len(models)
    lines = [
        f"<tr><th class=key rowspan=2>{html.escape(key)}</th>{top}</tr>",
        f"<tr>{sub}</tr>",
    ]
    for value in index.values[key]:
        found = [index.get(model, test, **{key: value}) for model in models]
        if not any(found):
            continue  # e.g. framings the retention test does not use
        cells = []
        for row in found:
            if row is None:
                cells.append("<td></td>" * 3)
            else:
                cells.append(f"<td>{_rate(row, 'asr')}</td><td>{_rate(row, 'rr')}</td>")
                cells.append(f"<td>{row['n']}</td>")
        lines.append(f"<tr><td class=key>{html.escape(value)}</td>{''.join(cells)}</tr>")
    caption = f"<caption>test: {html.escape(test)}</caption>"
    return f"<table>{caption}{''.join(lines)}</table>"


def _heatmap_section(index: _Index, heatmaps: dict[str, bytes]) -> str:
    parts = ["<h2>Heatmaps: framing x target type</h2>"]
    slugs = _model_slugs(index.models)
    for test in index.values["test"]:
        for metric, (label, _colour) in METRICS.items():
            figures = []
            for model, slug in slugs.items():
                name = f"heatmap-{slug}-{test}-{metric}.png"
                if name not in heatmaps:
                    continue
                data = base64.b64encode(heatmaps[name]).decode()
                figures.append(
                    f'<figure><img src="data:image/png;base64,{data}" '
                    f'alt="{label} heatmap, {html.escape(model)}, {test}">'
                    f"<figcaption>{html.escape(name)}</figcaption></figure>"
                )
            parts.append(f"<h3>{label}, test: {test}</h3><div class=maps>{''.join(figures)}</div>")
    return "\n".join(parts)


def _full_table(rows: list[dict]) -> str:
    if len(rows) > FULL_TABLE_LIMIT:
        return f"<p>All {len(rows)} rows are in summary.csv and summary.json.</p>"
    keys = ("model", *CELL_KEYS)
    header = "".join(f"<th class=key>{key}</th>" for key in keys)
    header += "<th>n</th><th>ASR</th><th>RR</th><th>partial</th><th>errors</th>"
    lines = [f"<tr>{header}</tr>"]
    for row in rows:
        cells = "".join(f"<td class=key>{html.escape(row[key])}</td>" for key in keys)
        cells += f"<td>{row['n']}</td><td>{_rate(row, 'asr')}</td><td>{_rate(row, 'rr')}</td>"
        cells += f"<td>{_share(row['partial_rate'])}</td><td>{row['errors']}</td>"
        lines.append(f"<tr>{cells}</tr>")
    return (
        f"<details><summary>All {len(rows)} rows</summary><table>{''.join(lines)}</table></details>"
    )


def _rate(row: dict, metric: str) -> str:
    value, interval = row[metric], row[f"{metric}_ci"]
    if value is None:
        return "-"
    return f"{value:.3f} <span class=ci>[{interval[0]:.3f}, {interval[1]:.3f}]</span>"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
