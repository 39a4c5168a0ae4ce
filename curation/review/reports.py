"""Figures for the maintainer overview and the statistics page (reads only)."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from benchmark import agreement
from curation.core.models import Image, ImageStatus
from curation.review.models import Adjudication, Lease, Review

REVIEW_DAYS = 14


def image_counts() -> list[dict]:
    """One row per (source, scenario): how many images are in each status."""
    rows: dict[tuple[str, str], dict] = {}
    grouped = (
        Image.objects.order_by().values("source", "scenario", "status").annotate(n=Count("id"))
    )
    for entry in grouped:
        key = (entry["source"], entry["scenario"])
        row = rows.setdefault(
            key, {"source": key[0], "scenario": key[1], **dict.fromkeys(ImageStatus.values, 0)}
        )
        row[entry["status"]] = entry["n"]
    for row in rows.values():
        row["total"] = sum(row[status] for status in ImageStatus.values)
    return [rows[key] for key in sorted(rows)]


def reviews_per_day(days: int = REVIEW_DAYS) -> list[dict]:
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    counted = dict(
        Review.objects.filter(created_at__date__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    most = max(counted.values(), default=0)
    return [
        {"day": day, "n": counted.get(day, 0), "share": counted.get(day, 0) / most if most else 0}
        for day in (since + timedelta(days=offset) for offset in range(days))
    ]


def queue_state() -> dict:
    now = timezone.now()
    pending = Image.objects.filter(status=ImageStatus.PENDING)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": pending.count(),
        "oldest": oldest,
        "age": now - oldest if oldest else None,
        "open_adjudications": Adjudication.objects.filter(resolved_at__isnull=True).count(),
        "held": Lease.objects.filter(decided_at__isnull=True, expires_at__gt=now).count(),
    }


def annotator_rows() -> list[dict]:
    """Per annotator: decisions today, in the last 7 days and in all, and gold accuracy."""
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Review.objects.order_by("annotator__username")
        .values("annotator", username=F("annotator__username"))
        .annotate(
            total=Count("id"),
            today=Count("id", filter=Q(created_at__gte=today)),
            week=Count("id", filter=Q(created_at__gte=now - timedelta(days=7))),
        )
    )
    gold = gold_accuracy()
    return [{**row, "gold": gold.get(row["annotator"])} for row in rows]


def gold_accuracy() -> dict[int, dict]:
    """Per annotator id: how many gold images they answered, how many right, the share."""
    answers = defaultdict(list)
    graded = Review.objects.filter(image__gold__isnull=False).values_list(
        "annotator", "decision", "image__gold__expected"
    )
    for annotator, decision, expected in graded:
        answers[annotator].append((decision, expected))
    return {
        annotator: {
            "answered": len(pairs),
            "correct": sum(given == expected for given, expected in pairs),
            "accuracy": agreement.accuracy(pairs),
        }
        for annotator, pairs in answers.items()
    }


def ratings_by_source() -> dict[str, dict[int, dict[str, str]]]:
    """{source: {image id: {annotator: decision}}}; an annotator's latest review of an
    image counts."""
    tables: dict[str, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for source, image_id, username, decision in Review.objects.order_by("id").values_list(
        "image__source", "image_id", "annotator__username", "decision"
    ):
        tables[source][image_id][username] = decision
    return tables


def agreement_figures(sources: list[str]) -> dict:
    tables = ratings_by_source()
    everything = {image: row for table in tables.values() for image, row in table.items()}
    pairs = [
        {"a": a, "b": b, "kappa": kappa, "shared": shared}
        for (a, b), (kappa, shared) in agreement.pairwise_kappas(everything).items()
        if shared
    ]
    by_source = []
    for source in sources:
        table = tables.get(source, {})
        by_source.append(
            {
                "source": source,
                "alpha": agreement.alpha_from_ratings(table),
                "units": sum(len(by_rater) >= 2 for by_rater in table.values()),
            }
        )
    return {
        "alpha": agreement.alpha_from_ratings(everything),
        "units": sum(len(by_rater) >= 2 for by_rater in everything.values()),
        "pairs": pairs,
        "by_source": by_source,
    }
