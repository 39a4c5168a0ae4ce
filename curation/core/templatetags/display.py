"""Showing stored JSON (a run's parameters, a release's config) as rows people can read."""

from django import template

register = template.Library()


@register.filter
def as_rows(value, prefix: str = "") -> list[tuple[str, str]]:
    """(name, value) rows of a JSON-like value: nested objects give dotted names, lists of
    plain values are joined with commas, an empty value shows as "—"."""
    if isinstance(value, dict):
        rows = []
        for key, inner in value.items():
            rows += as_rows(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list | tuple):
        shown = ", ".join(str(item) for item in value)
    else:
        shown = "—" if value in (None, "") else str(value)
    return [(prefix, shown or "—")]
