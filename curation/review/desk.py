"""What the review desk remembers for each annotator between requests, in the cache.

- Which review pages (desk tokens, one per page load) have claimed already: a page's
  first claim takes over the images the annotator's older pages hold (a reload continues
  where it was); later claims do not, so two open tabs never take images back and forth.
- Which images the annotator skipped: they go back to the queue for others and are
  served to this annotator again only once nothing else is left.
"""

import re

from django.core.cache import cache

DESK_TTL_S = 24 * 3600
# A skipped image is only kept out of this annotator's next claims; past this many the
# oldest skips come back first.
SKIP_LIMIT = 200
# The page makes its token from 16 random bytes, in hex; anything shaped like one passes.
DESK_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _key(kind: str, annotator) -> str:
    return f"review-desk:{kind}:{annotator.pk}"


def is_token(desk) -> bool:
    return isinstance(desk, str) and DESK_TOKEN.fullmatch(desk) is not None


def first_claim(annotator, desk: str) -> bool:
    """True only for the first claim of this review page (an atomic add in the cache)."""
    return cache.add(f"{_key('claimed', annotator)}:{desk}", 1, DESK_TTL_S)


def skipped(annotator) -> list[int]:
    return cache.get(_key("skipped", annotator), [])


def skip(annotator, image_id: int) -> None:
    kept = [pk for pk in skipped(annotator) if pk != image_id]
    cache.set(_key("skipped", annotator), [*kept, image_id][-SKIP_LIMIT:], DESK_TTL_S)


def skips_clear(annotator) -> None:
    cache.delete(_key("skipped", annotator))
