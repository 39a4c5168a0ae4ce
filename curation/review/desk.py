"""What the review desk remembers for each annotator between requests, in the cache.

- Which page is the current one: a page closing (or reloading) hands its images back with
  a beacon that may arrive after the reloaded page has claimed the same images again; the
  beacon names its page, and only the current page's beacon gives images back.
- Which images the annotator skipped: they go back to the queue for others and are
  served to this annotator again only once nothing else is left.
"""

from django.core.cache import cache

DESK_TTL_S = 24 * 3600
# A skipped image is only kept out of this annotator's next claims; past this many the
# oldest skips come back first.
SKIP_LIMIT = 200


def _key(kind: str, annotator) -> str:
    return f"review-desk:{kind}:{annotator.pk}"


def desk_open(annotator, desk: str) -> None:
    """This page is now the annotator's current one."""
    cache.set(_key("page", annotator), desk, DESK_TTL_S)


def desk_is_current(annotator, desk: str) -> bool:
    return bool(desk) and cache.get(_key("page", annotator)) == desk


def skipped(annotator) -> list[int]:
    return cache.get(_key("skipped", annotator), [])


def skip(annotator, image_id: int) -> None:
    kept = [pk for pk in skipped(annotator) if pk != image_id]
    cache.set(_key("skipped", annotator), [*kept, image_id][-SKIP_LIMIT:], DESK_TTL_S)


def skips_clear(annotator) -> None:
    cache.delete(_key("skipped", annotator))
