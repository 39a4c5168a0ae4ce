"""Reads for the review queue: which images an annotator may claim, what the page shows."""

from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from curation.core.models import Image, ImageStatus, Source
from curation.review.models import DEFAULT_POLICIES, Adjudication, Lease, Review, ReviewPolicy

# Counting every claimable row after each decision would cost more than the decision;
# past this many the page shows "N+".
LEFT_COUNT_LIMIT = 1_000
IDENTITY_FIELDS = [
    ("name", "Name"),
    ("date_of_birth", "Date of birth"),
    ("address", "Address"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("ssn", "SSN"),
]


def policies() -> dict[str, ReviewPolicy]:
    """Every source's policy, creating a missing one with its defaults."""
    found = {policy.source: policy for policy in ReviewPolicy.objects.all()}
    for source in Source.values:
        if source not in found:
            found[source], _ = ReviewPolicy.objects.get_or_create(
                source=source, defaults=DEFAULT_POLICIES[source]
            )
    return found


def _active_lease(now: datetime) -> QuerySet:
    """An undecided lease still running: a decided one waiting out its undo window does
    not keep a second reviewer away."""
    return Lease.objects.filter(image=OuterRef("pk"), expires_at__gt=now, decided_at__isnull=True)


def _reviewed_by(annotator) -> QuerySet:
    return Review.objects.filter(image=OuterRef("pk"), annotator=annotator, is_current=True)


def _counted_reviews() -> Subquery:
    counts = (
        Review.objects.filter(image=OuterRef("pk"), is_current=True, is_gold=False)
        .order_by()
        .values("image")
        .annotate(total=Count("id"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _reviews_needed(by_source: dict[str, ReviewPolicy]) -> Case:
    whens = [When(source=source, then=Value(p.reviews_needed)) for source, p in by_source.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def queue_candidates(
    annotator, by_source: dict[str, ReviewPolicy], now: datetime, doubtful_first: bool = False
) -> QuerySet:
    """Pending images this annotator may claim now, oldest first: not leased (or the lease
    ran out), not reviewed by them in this round, and short of the reviews their policy
    asks for (an image waiting for adjudication has all of them). The portable claim runs
    this; `claims.QUEUE_CANDIDATE_SQL` is the same rule as one PostgreSQL statement."""
    return (
        Image.objects.filter(status=ImageStatus.PENDING)
        .alias(counted_reviews=_counted_reviews(), reviews_needed=_reviews_needed(by_source))
        .filter(counted_reviews__lt=F("reviews_needed"))
        .exclude(Exists(_active_lease(now)))
        .exclude(Exists(_reviewed_by(annotator)))
        .order_by(*(("-reading_doubtful", "id") if doubtful_first else ("id",)))
    )


def gold_candidates(annotator, source: str, now: datetime) -> QuerySet:
    """Gold images of one source this annotator has not answered and nobody holds now."""
    return (
        Image.objects.filter(gold__isnull=False, source=source)
        .exclude(Exists(_active_lease(now)))
        .exclude(Exists(_reviewed_by(annotator)))
        .order_by("id")
    )


def held_leases(annotator, now: datetime) -> QuerySet:
    """The annotator's leases still open for a decision, oldest claim first; a queue image
    settled meanwhile (a policy change) is no longer theirs to decide."""
    return (
        Lease.objects.filter(annotator=annotator, decided_at__isnull=True, expires_at__gt=now)
        .filter(Q(is_gold=True) | Q(image__status=ImageStatus.PENDING))
        .order_by("claimed_at", "image_id")
    )


def progress(annotator) -> dict:
    """The page's counters: my decisions today, and what is left for me: the images I hold
    undecided plus those I may claim now. Images held by others or waiting for
    adjudication are not mine to review, so they are not counted."""
    now = timezone.now()
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    mine_today = Review.objects.filter(annotator=annotator, created_at__gte=today).count()
    held = held_leases(annotator, now).count()
    claimable = queue_candidates(annotator, policies(), now)[: LEFT_COUNT_LIMIT + 1].count()
    left = held + claimable
    return {
        "mine_today": mine_today,
        "left": min(left, LEFT_COUNT_LIMIT),
        "left_more": left > LEFT_COUNT_LIMIT,
    }


def review_item(image: Image, policy: ReviewPolicy) -> dict:
    """Everything the review page shows for one image, and nothing about other reviews."""
    url = reverse("curation:image-file", args=[image.pk])
    return {
        "id": image.pk,
        "image_url": f"{url}?size=review" if image.review_file else url,
        "width": image.width,
        "height": image.height,
        "source": image.source,
        "source_label": image.get_source_display(),
        "scenario": image.get_scenario_display(),
        "target_type": image.target_type,
        "compare": _values_to_compare(image),
        "scene": _scene_facts(image) if image.source == Source.DIFFUSION else None,
        "reasons": policy.reject_reasons,
        "decide_url": reverse("curation:review-decide", args=[image.pk]),
        "skip_url": reverse("curation:review-skip", args=[image.pk]),
        "reading": reading_hint(image),
    }


TARGET_LABELS = {"email": "Email", "phone": "Phone", "ssn": "SSN"}


def reading_hint(image: Image) -> dict:
    """The machine reading as the desk shows it beside the compare panel: per target read or
    not (and what was read), PII-like text with its box in the stored image's pixels, and
    the overrides reviewers recorded. A hint: the reviewer decides."""
    stored = image.reading or {}
    confirmed = image.legible_confirmed or {}
    targets = [
        {
            "type": entry.get("type"),
            "label": TARGET_LABELS.get(entry.get("type"), entry.get("type")),
            "value": entry.get("value", ""),
            "legible": bool(entry.get("legible")),
            "read": entry.get("read", ""),
            # Whether, not who: the desk shows no other reviewer's judgement by name.
            "confirmed": entry.get("type") in confirmed,
        }
        for entry in stored.get("expected", [])
    ]
    state = "read" if image.reading is not None else "failed" if image.reading_error else "unread"
    return {
        "state": state,
        "error": image.reading_error,
        "engine": stored.get("engine", ""),
        "targets": targets,
        "pii_like": stored.get("pii_like", []),
        "pii_overridden": image.pii_overridden,
        "doubtful": image.reading_doubtful,
        "width": image.width,
        "height": image.height,
        "confirm_url": reverse("curation:review-confirm-legible", args=[image.pk]),
        "override_url": reverse("curation:review-override-pii", args=[image.pk]),
    }


def _values_to_compare(image: Image) -> list[dict]:
    """What the form should show: the ground-truth fields when stored, else the identity's."""
    if image.source == Source.DIFFUSION:
        return []
    if image.fields:
        return [{"label": field["label"], "value": field["value"]} for field in image.fields]
    if image.identity is None:
        return []
    data = image.identity.data or {}
    return [
        {"label": label, "value": str(data[key])} for key, label in IDENTITY_FIELDS if data.get(key)
    ]


def _scene_facts(image: Image) -> dict:
    provenance = image.provenance or {}
    return {
        "prompt": provenance.get("prompt", ""),
        "target_type": provenance.get("target_type") or image.target_type,
        "scenario": provenance.get("scenario") or image.scenario,
        "cue": provenance.get("cue", ""),
        "simulated": bool(image.simulated),
    }


def images_with_enough_reviews(policy: ReviewPolicy) -> QuerySet:
    """Pending images of the policy's source that have all their reviews and no open
    adjudication: what a policy change may settle."""
    open_adjudication = Adjudication.objects.filter(image=OuterRef("pk"), resolved_at__isnull=True)
    return (
        Image.objects.filter(status=ImageStatus.PENDING, source=policy.source)
        .alias(counted_reviews=_counted_reviews())
        .filter(counted_reviews__gte=policy.reviews_needed)
        .exclude(Exists(open_adjudication))
        .order_by("id")
    )
