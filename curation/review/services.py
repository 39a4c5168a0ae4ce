"""Writes for the review queue: claims, decisions, undo, adjudication, policy and gold.

Every change that touches more than one row is one transaction. `Image.status` is only
ever changed here, through `_set_status`; sending an image back to review is here too, since
it starts a new round (review builds on core, never the other way round).
"""

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from curation.core import reading
from curation.core.models import Image, ImageStatus
from curation.core.signals import image_rejected_in_review
from curation.review import claims, selectors
from curation.review.models import (
    Adjudication,
    Combine,
    Decision,
    GoldAnswer,
    Lease,
    Review,
    ReviewPolicy,
)


class ReviewRefused(Exception):
    """A request the queue turns down; `code` for the page, the message for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def lease_seconds() -> int:
    return settings.REVIEW_LEASE_SECONDS


def undo_seconds() -> int:
    return settings.REVIEW_UNDO_SECONDS


@transaction.atomic
def review_claim(
    *,
    annotator,
    exclude: Iterable[int] = (),
    rng=None,
    desk: str = "",
    doubtful_first: bool = False,
) -> Image | None:
    """The annotator's next image, leased to them for the review page `desk`: one that
    page already holds (other than `exclude`, what the page already shows or the annotator
    skipped), else a gold check at the policy's rate, else the oldest pending image they
    may review (not in `exclude`; with `doubtful_first`, the oldest whose machine reading
    is doubtful before the rest). None when nothing is left."""
    now = timezone.now()
    exclude = list(exclude)
    held = selectors.held_leases(annotator, now).filter(desk=desk).exclude(image_id__in=exclude)
    held = held.first()
    if held is not None:
        Lease.objects.filter(pk=held.pk).update(expires_at=_lease_end(now))
        return _image(held.image_id)
    by_source = selectors.policies()
    image_id = None
    gold_source = _gold_source(by_source, rng or random)
    end = _lease_end(now)
    if gold_source:
        image_id = claims.lease_gold(annotator, gold_source, now, end, exclude, desk)
    if image_id is None:
        image_id = claims.lease_from_queue(
            annotator, by_source, now, end, exclude, desk, doubtful_first=doubtful_first
        )
    return _image(image_id) if image_id else None


def lease_take_over(*, annotator, desk: str) -> int:
    """A new review page of the annotator (a reload, or the tab opened again) takes over
    the images their older pages still hold undecided, so it continues where they were;
    how many. One UPDATE: a beacon of the older page, which deletes only rows still under
    its own desk, either ran before (and the images are claimed afresh) or finds none."""
    return (
        Lease.objects.filter(
            annotator=annotator, decided_at__isnull=True, expires_at__gt=timezone.now()
        )
        .exclude(desk=desk)
        .update(desk=desk)
    )


def _image(image_id: int) -> Image:
    return Image.objects.select_related("identity").get(pk=image_id)


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=lease_seconds())


def _gold_source(by_source: dict[str, ReviewPolicy], rng) -> str | None:
    """One roll: source s comes up with probability gold_rate(s) (their sum capped at 1)."""
    roll = rng.random()
    for source in sorted(by_source):
        roll -= by_source[source].gold_rate
        if roll < 0:
            return source
    return None


@transaction.atomic
def review_record(
    *,
    annotator,
    image_id: int,
    decision: str,
    reasons: Iterable[str] = (),
    undoable: bool = True,
    desk: str | None = None,
) -> Review:
    """Record a decision on an image the annotator holds (for the review page `desk`,
    when given), then apply the source's policy. The lease stays for the undo window
    (`undoable=False`: it ends now)."""
    now = timezone.now()
    image = _locked_image(image_id)
    lease = Lease.objects.select_for_update().filter(image_id=image_id, annotator=annotator).first()
    if image is None or lease is None or lease.decided_at is not None:
        raise _not_held(annotator, image_id)
    if desk is not None and lease.desk != desk:
        raise _moved()
    if lease.expires_at <= now:
        raise ReviewRefused(
            "lease-expired",
            "Your hold on this image ran out before your decision arrived (the page was "
            "asleep or offline), so the decision was not saved and the image went back to "
            "the queue. Go on with the next image; keep the page open while you decide.",
        )
    if not lease.is_gold and image.status != ImageStatus.PENDING:
        raise ReviewRefused(
            "already-resolved", "This image was decided meanwhile; your decision was not needed."
        )
    policy = selectors.policies()[image.source]
    review = Review.objects.create(
        image=image,
        annotator=annotator,
        decision=decision,
        reasons=checked_reasons(policy, decision, reasons),
        is_gold=lease.is_gold,
    )
    lease.decided_at = now
    lease.expires_at = now + timedelta(seconds=undo_seconds() if undoable else 0)
    lease.save(update_fields=["decided_at", "expires_at"])
    if not review.is_gold:
        _combine(image, policy)
    return review


def _held_for_reading(annotator, image_id: int, desk: str) -> None:
    """A reviewer records a reading override only on an image this page holds undecided."""
    lease = Lease.objects.filter(
        image_id=image_id, annotator=annotator, decided_at__isnull=True
    ).first()
    if lease is None or lease.expires_at <= timezone.now():
        raise _not_held(annotator, image_id)
    if lease.desk != desk:
        raise _moved()


def reading_confirm_legible(*, annotator, image_id: int, target_type: str, desk: str) -> Image:
    """The annotator saw this target's value legible where the machine did not read it."""
    _held_for_reading(annotator, image_id, desk)
    try:
        return reading.legible_confirm(image_id=image_id, target_type=target_type, user=annotator)
    except ValueError as error:
        raise ReviewRefused("bad-input", str(error)) from None


def reading_override_pii(*, annotator, image_id: int, desk: str) -> Image:
    """The annotator judged the scene's PII-like text not personal data."""
    _held_for_reading(annotator, image_id, desk)
    try:
        return reading.pii_flag_override(image_id=image_id, user=annotator)
    except ValueError as error:
        raise ReviewRefused("bad-input", str(error)) from None


def _locked_image(image_id: int) -> Image | None:
    """Lock an image row before its lease row, in every transaction, as a claim does:
    the same order everywhere is what keeps concurrent claims and decisions deadlock-free."""
    return Image.objects.select_for_update().filter(pk=image_id).first()


def _moved() -> ReviewRefused:
    return ReviewRefused(
        "lease-moved",
        "This image is now open in a newer review page of yours (a reload or another tab); "
        "decide it there. Your decision here was not saved.",
    )


def _not_held(annotator, image_id: int) -> ReviewRefused:
    if Review.objects.filter(image_id=image_id, annotator=annotator, is_current=True).exists():
        return ReviewRefused(
            "already-decided", "You already decided on this image (press U to undo it)."
        )
    return ReviewRefused(
        "lease-lost",
        "This image is no longer yours: your hold on it ran out or was given back, and it "
        "went back to the queue. Your decision on it was not saved.",
    )


def checked_reasons(policy: ReviewPolicy, decision: str, reasons: Iterable[str]) -> list[str]:
    """The reasons in the policy's order; a reject needs at least one, an accept none."""
    chosen = list(reasons)
    if decision not in Decision.values:
        raise ReviewRefused("bad-input", "The decision must be accept or reject.")
    unknown = sorted(set(chosen) - set(policy.reason_codes))
    if unknown:
        raise ReviewRefused("bad-input", f"Unknown reject reason(s): {', '.join(unknown)}.")
    if decision == Decision.ACCEPT and chosen:
        raise ReviewRefused("bad-input", "An accept takes no reject reasons; clear them first.")
    if decision == Decision.REJECT and not chosen:
        raise ReviewRefused("bad-input", "Pick at least one reject reason, then reject again.")
    return [code for code in policy.reason_codes if code in chosen]


def combined_status(decisions: list[str], combine: str) -> str | None:
    """The image status the reviews settle on, or None when a maintainer must decide."""
    if set(decisions) == {Decision.ACCEPT}:
        return ImageStatus.ACCEPTED
    if combine == Combine.UNANIMOUS and set(decisions) == {Decision.REJECT}:
        return ImageStatus.REJECTED
    return None


def _combine(image: Image, policy: ReviewPolicy) -> None:
    decisions = list(
        Review.objects.filter(image=image, is_current=True, is_gold=False).values_list(
            "decision", flat=True
        )
    )
    if len(decisions) < policy.reviews_needed:
        return
    status = combined_status(decisions, policy.combine)
    if status:
        _set_status(image, status, policy=policy, reasons=_round_reasons(image))
    else:
        Adjudication.objects.get_or_create(image=image, resolved_at=None)


def _round_reasons(image: Image) -> set[str]:
    """Every reject reason the current round's reviews gave."""
    current = Review.objects.filter(image=image, is_current=True, is_gold=False)
    return {code for reasons in current.values_list("reasons", flat=True) for code in reasons}


def _set_status(
    image: Image, status: str, *, policy: ReviewPolicy | None = None, reasons=()
) -> None:
    """The one place an image's status changes; a rejection tells whoever listens (the
    volunteer who sent the photo sees the reasons) which reasons, in the policy's order."""
    Image.objects.filter(pk=image.pk).update(status=status, updated_at=timezone.now())
    image.status = status
    if status == ImageStatus.REJECTED and policy is not None:
        chosen = [reason for reason in policy.reject_reasons if reason["code"] in set(reasons)]
        image_rejected_in_review.send(sender=Image, image_id=image.pk, reasons=chosen)


@transaction.atomic
def review_undo(*, annotator, desk: str | None = None) -> Image:
    """Take back the annotator's last decision while its lease still holds; the image
    returns to pending (its adjudication, if the decision opened one, is withdrawn) and
    is theirs to decide again, held for the review page `desk` when given."""
    now = timezone.now()
    review = Review.objects.filter(annotator=annotator, is_current=True).order_by("-id").first()
    if review is None:
        raise ReviewRefused("nothing-to-undo", "There is no decision of yours to undo.")
    image = _locked_image(review.image_id)
    lease = (
        Lease.objects.select_for_update()
        .filter(image_id=review.image_id, annotator=annotator, decided_at__isnull=False)
        .filter(expires_at__gt=now)
        .first()
    )
    if lease is None:
        raise ReviewRefused(
            "undo-expired",
            "Too late to undo: the undo time has run out or another reviewer has that image now.",
        )
    if not review.is_gold:
        _withdraw_outcome(image, review)
    review.delete()
    lease.decided_at, lease.expires_at = None, _lease_end(now)
    lease.desk = lease.desk if desk is None else desk
    lease.save(update_fields=["decided_at", "expires_at", "desk"])
    return _image(image.pk)


def _withdraw_outcome(image: Image, review: Review) -> None:
    resolved = Adjudication.objects.filter(image=image, resolved_at__gte=review.created_at)
    if resolved.exists():
        raise ReviewRefused(
            "undo-resolved", "A maintainer has already adjudicated this image; it cannot be undone."
        )
    Adjudication.objects.filter(image=image, resolved_at__isnull=True).delete()
    if image.status != ImageStatus.PENDING:
        _set_status(image, ImageStatus.PENDING)


@transaction.atomic
def lease_renew(*, annotator, image_ids: Iterable[int], desk: str | None = None) -> list[int]:
    """Extend the annotator's open leases on these images (held for the review page
    `desk`, when given); return the ones still theirs."""
    now = timezone.now()
    open_leases = Lease.objects.filter(
        annotator=annotator, image_id__in=list(image_ids), decided_at__isnull=True
    )
    if desk is not None:
        open_leases = open_leases.filter(desk=desk)
    held = list(
        open_leases.select_for_update().order_by("image_id").values_list("image_id", flat=True)
    )
    Lease.objects.filter(annotator=annotator, image_id__in=held).update(expires_at=_lease_end(now))
    return sorted(held)


def lease_release(
    *, annotator, image_ids: Iterable[int] | None = None, desk: str | None = None
) -> int:
    """Give undecided images back to the queue at once, in one DELETE: these images, or
    all the annotator holds; only those held for the review page `desk`, when given (a
    closing page's beacon frees its own images, never a newer page's)."""
    held = Lease.objects.filter(annotator=annotator, decided_at__isnull=True)
    if image_ids is not None:
        held = held.filter(image_id__in=list(image_ids))
    if desk is not None:
        held = held.filter(desk=desk)
    released, _ = held.delete()
    return released


@transaction.atomic
def adjudication_resolve(
    *,
    adjudication_id: int,
    maintainer,
    decision: str,
    reasons: Iterable[str] = (),
    note: str = "",
    make_gold: bool = False,
) -> Adjudication:
    """A maintainer settles a disagreement; the image takes the decision's status."""
    image_id = Adjudication.objects.values_list("image_id", flat=True).get(pk=adjudication_id)
    image = _locked_image(image_id)
    adjudication = Adjudication.objects.select_for_update().get(pk=adjudication_id)
    if not adjudication.is_open:
        raise ReviewRefused("already-resolved", "This adjudication was already resolved.")
    policy = selectors.policies()[image.source]
    adjudication.decision = decision
    adjudication.reasons = checked_reasons(policy, decision, reasons)
    adjudication.note = note
    adjudication.resolved_by = maintainer
    adjudication.resolved_at = timezone.now()
    adjudication.save()
    accepted = decision == Decision.ACCEPT
    status = ImageStatus.ACCEPTED if accepted else ImageStatus.REJECTED
    _set_status(image, status, policy=policy, reasons=adjudication.reasons)
    if make_gold:
        gold_set(image=image, expected=decision, user=maintainer)
    return adjudication


@transaction.atomic
def policy_update(*, source: str, user, **values) -> tuple[ReviewPolicy, int]:
    """Save a source's policy, then settle pending images that now have all the reviews
    they need (fewer reviews needed, or a different way of combining them)."""
    policy = selectors.policies()[source]
    for field, value in values.items():
        setattr(policy, field, value)
    policy.updated_by = user
    policy.full_clean()
    policy.save()
    settled = 0
    for image in selectors.images_with_enough_reviews(policy).select_for_update():
        _combine(image, policy)
        settled += 1
    return policy, settled


@transaction.atomic
def gold_set(*, image: Image, expected: str, user) -> GoldAnswer:
    if expected not in Decision.values:
        raise ReviewRefused("bad-input", "The expected answer must be accept or reject.")
    gold, _ = GoldAnswer.objects.update_or_create(
        image=image, defaults={"expected": expected, "created_by": user}
    )
    return gold


def gold_remove(*, gold_id: int) -> None:
    GoldAnswer.objects.filter(pk=gold_id).delete()


@transaction.atomic
def image_send_back_to_review(image: Image) -> Image:
    """A maintainer sends a decided image back: it is pending again and a new round starts
    from no reviews (the earlier ones stay, no longer current). A pending image keeps its
    round."""
    image = Image.objects.select_for_update().get(pk=image.pk)
    if image.status != ImageStatus.PENDING:
        _set_status(image, ImageStatus.PENDING)
        Review.objects.filter(image_id=image.pk, is_current=True).update(is_current=False)
        Lease.objects.filter(image_id=image.pk).delete()
    return image


def review_accept_all(*, annotators: list) -> int:
    """Accept every pending image as these annotators, each in turn (the demo's shortcut).
    Images that need more reviews than there are annotators stay pending."""
    decided = 0
    for annotator in annotators:
        while image := review_claim(annotator=annotator, rng=_NeverGold()):
            review_record(
                annotator=annotator, image_id=image.pk, decision=Decision.ACCEPT, undoable=False
            )
            decided += 1
    return decided


class _NeverGold:
    """An rng whose roll never lands on a gold check."""

    def random(self) -> float:
        return 1.0
