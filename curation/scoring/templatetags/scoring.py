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
    """A class that tints a cell by its rate in tenths (see scoring.css): a class, not a
    style attribute, which the Content-Security-Policy forbids."""
    return "" if value is None else f"shade-{round(min(max(value, 0.0), 1.0) * 10)}"


@register.filter
def cell_query(row: dict) -> str:
    """The drill-down query string of a summary row's cell."""
    return urlencode({key: row[key] for key in CELL_KEYS})
