"""Taking the lease on the next image: one statement on PostgreSQL, a guarded write elsewhere.

Both paths pick by the same rule. `selectors.queue_candidates` / `gold_candidates` spell it
in the ORM (the portable path runs them); the SQL below spells it for PostgreSQL, where a
claim must be a single statement, and tests/review/test_claim.py checks the two agree.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet

from curation.review import selectors
from curation.review.models import Lease, ReviewPolicy

# A claim can lose a race for the row it picked (another claim committed in between);
# it then looks again, a bounded number of times.
CLAIM_ATTEMPTS = 3

# Only an undecided lease keeps others off an image: a decided one waits out the undo
# window without blocking a second reviewer, who takes the row over. `skip` lists images
# the annotator set aside for now. Each NOT EXISTS ends in OFFSET 0 so that PostgreSQL
# keeps it a per-row index probe: pulled up into an anti-join, the planner may choose a
# merge join that reads every lease or review row ever written, and a claim would slow
# down as the history grows.
_NOT_LEASED_NOR_REVIEWED_BY_ME = """
    NOT (i.id = ANY(%(skip)s::bigint[]))
    AND NOT EXISTS (SELECT 1 FROM review_lease l
                    WHERE l.image_id = i.id AND l.expires_at > %(now)s
                      AND l.decided_at IS NULL OFFSET 0)
    AND NOT EXISTS (SELECT 1 FROM review_review r
                    WHERE r.image_id = i.id AND r.annotator_id = %(annotator)s
                      AND r.is_current OFFSET 0)
"""

# The oldest pending image that still needs reviews under its source's policy; the partial
# index review_image_pending_id (migration 0002) hands pending rows over in id order.
QUEUE_CANDIDATE_SQL = f"""
    SELECT i.id FROM core_image i
    WHERE i.status = 'pending'
      AND (SELECT count(*) FROM review_review r
           WHERE r.image_id = i.id AND r.is_current AND NOT r.is_gold)
          < (SELECT p.reviews_needed FROM review_reviewpolicy p WHERE p.source = i.source)
      AND {_NOT_LEASED_NOR_REVIEWED_BY_ME}
    ORDER BY {{order}}
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
"""
# The queue's order: oldest first, or (the desk's option) doubtful machine readings first.
QUEUE_ORDER = {False: "i.id", True: "i.reading_doubtful DESC, i.id"}

GOLD_CANDIDATE_SQL = f"""
    SELECT i.id FROM core_image i JOIN review_goldanswer g ON g.image_id = i.id
    WHERE i.source = %(source)s
      AND {_NOT_LEASED_NOR_REVIEWED_BY_ME}
    ORDER BY i.id
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
"""

# SKIP LOCKED keeps concurrent claims off each other's row; the conflict clause takes an
# existing lease row over only once it has expired or been decided, so a claim that
# committed after this statement's snapshot was taken still wins. Returns (candidate
# found, image leased).
LEASE_SQL = """
    WITH candidate AS ({candidates}),
    leased AS (
        INSERT INTO review_lease
            (image_id, annotator_id, is_gold, desk, claimed_at, expires_at, decided_at)
        SELECT id, %(annotator)s, %(is_gold)s, %(desk)s, %(now)s, %(expires)s, NULL FROM candidate
        ON CONFLICT (image_id) DO UPDATE SET
            annotator_id = EXCLUDED.annotator_id,
            is_gold = EXCLUDED.is_gold,
            desk = EXCLUDED.desk,
            claimed_at = EXCLUDED.claimed_at,
            expires_at = EXCLUDED.expires_at,
            decided_at = NULL
        WHERE review_lease.expires_at <= EXCLUDED.claimed_at
           OR review_lease.decided_at IS NOT NULL
        RETURNING image_id
    )
    SELECT (SELECT id FROM candidate), (SELECT image_id FROM leased)
"""


def lease_from_queue(
    annotator,
    by_source: dict[str, ReviewPolicy],
    now: datetime,
    expires: datetime,
    skip: Iterable[int] = (),
    desk: str = "",
    *,
    doubtful_first: bool = False,
) -> int | None:
    """Lease the oldest claimable pending image (not in `skip`; doubtful readings first
    when asked) to the annotator, for the review page `desk`; its id, or None."""
    lease = {"is_gold": False, "desk": desk}
    if connection.vendor == "postgresql":
        params = {"annotator": annotator.pk, "now": now, "skip": list(skip)}
        sql = QUEUE_CANDIDATE_SQL.format(order=QUEUE_ORDER[doubtful_first])
        return _lease_postgres(sql, params, annotator, now, expires, lease)
    candidates = selectors.queue_candidates(annotator, by_source, now, doubtful_first)
    candidates = candidates.exclude(id__in=list(skip))
    return _lease_portable(candidates, annotator, now, expires, lease)


def lease_gold(
    annotator,
    source: str,
    now: datetime,
    expires: datetime,
    skip: Iterable[int] = (),
    desk: str = "",
) -> int | None:
    """Lease a gold image of this source the annotator has not answered (not in `skip`),
    for the review page `desk`; its id, or None."""
    lease = {"is_gold": True, "desk": desk}
    if connection.vendor == "postgresql":
        params = {"annotator": annotator.pk, "now": now, "source": source, "skip": list(skip)}
        return _lease_postgres(GOLD_CANDIDATE_SQL, params, annotator, now, expires, lease)
    candidates = selectors.gold_candidates(annotator, source, now).exclude(id__in=list(skip))
    return _lease_portable(candidates, annotator, now, expires, lease)


def _lease_postgres(candidate_sql: str, params: dict, annotator, now, expires, lease: dict):
    sql = LEASE_SQL.format(candidates=candidate_sql)
    params = {**params, **lease, "annotator": annotator.pk, "expires": expires}
    for _attempt in range(CLAIM_ATTEMPTS):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            candidate, leased = cursor.fetchone()
        if leased is not None or candidate is None:
            return leased
    return None


def _lease_portable(candidates: QuerySet, annotator, now, expires, lease: dict):
    """SQLite: the transaction holds the database's write lock (IMMEDIATE mode), and the
    lease is still only taken by a conditional update or a unique insert."""
    fields = {
        **lease,
        "annotator": annotator,
        "claimed_at": now,
        "expires_at": expires,
        "decided_at": None,
    }
    for _attempt in range(CLAIM_ATTEMPTS):
        image_id = candidates.values_list("id", flat=True).first()
        if image_id is None:
            return None
        free = Q(expires_at__lte=now) | Q(decided_at__isnull=False)
        if Lease.objects.filter(free, image_id=image_id).update(**fields):
            return image_id
        try:
            with transaction.atomic():
                Lease.objects.create(image_id=image_id, **fields)
        except IntegrityError:
            continue
        return image_id
    return None
