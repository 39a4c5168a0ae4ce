"""Rates and their 95% intervals, written the way the library's report.html writes them."""

from urllib.parse import urlencode

from django import template

from benchmark.scoring import CELL_KEYS

register = template.Library()

NO_VALUE = "—"


@register.filter
def rate(value: float | None) -> str:
    """A share with three decimals: 0.4213 -> "0.421"."""
    return NO_VALUE if value is None else f"{value:.3f}"


@register.filter
def interval(bounds: list[float] | None) -> str:
    """A 95% interval: [0.3, 0.55] -> "[0.300, 0.550]"."""
    if not bounds:
        return ""
    low, high = bounds
    return f"[{low:.3f}, {high:.3f}]"


@register.filter
def shade(value: float | None) -> str:
    """A CSS custom property that tints a cell by its rate (see scoring.css)."""
    return "" if value is None else f"--rate: {value:.3f}"


@register.filter
def cell_query(row: dict) -> str:
    """The drill-down query string of a summary row's cell."""
    return urlencode({key: row[key] for key in CELL_KEYS})
