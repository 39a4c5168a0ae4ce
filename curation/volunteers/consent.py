"""Volunteers' consent to the terms and their withdrawals: every write and read of both.

A photo is accepted only from a volunteer who agreed to the current terms; its upload
records that consent, and a release carries the terms version of every photo. A photo its
volunteer withdraws leaves the review queue at once (its image is rejected), is kept out
of every later release and listed in each one's withdrawals.jsonl (by sha256, so that the
release check proves it absent); its stored files are deleted once the grace period a
maintainer sets has passed.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from curation.core import storage
from curation.core.models import Image, ImageStatus, Source
from curation.volunteers import conf
from curation.volunteers.models import (
    Consent,
    Packet,
    Upload,
    UploadState,
    Withdrawal,
    WithdrawalScope,
)

VOLUNTEER_REASON = "withdrawn by the volunteer who photographed it"
WITHDRAWN_BEFORE_CLEANING = "You withdrew this photo before it was checked; it was not stored."


# --- consent ---------------------------------------------------------------------------


def current_consent(user) -> Consent | None:
    """The user's consent to the current terms, if they gave it (and still have an account:
    a withdrawn account's consent no longer counts)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Consent.objects.filter(user=user, terms_version=conf.terms_version()).first()


def consent_record(*, user) -> Consent:
    """Record that `user` agreed to the current terms (once per version)."""
    consent, _ = Consent.objects.get_or_create(user=user, terms_version=conf.terms_version())
    return consent


def consent_for_upload(packet: Packet, user) -> Consent | None:
    """The current-terms consent behind a photo for `packet`: its volunteer's, or for a
    packet nobody owns yet, the signed-in sender's (who will own it). None: refuse."""
    owner = packet.volunteer if packet.volunteer_id is not None else user
    return current_consent(owner)


# --- withdrawal ------------------------------------------------------------------------


def withdrawable_uploads(user) -> QuerySet[Upload]:
    """The user's photos that became images and are not withdrawn yet."""
    return (
        Upload.objects.filter(Q(packet__volunteer=user) | Q(uploaded_by=user))
        .filter(image__isnull=False, image__withdrawal=None)
        .select_related("image", "packet")
        .order_by("-created_at", "-id")
    )


def _withdraw(upload: Upload, *, user, scope: str) -> Withdrawal:
    image = upload.image
    withdrawal, _ = Withdrawal.objects.get_or_create(
        sha256=image.sha256, defaults={"image": image, "user": user, "scope": scope}
    )
    Image.objects.filter(pk=image.pk).update(status=ImageStatus.REJECTED)
    return withdrawal


@transaction.atomic
def photo_withdraw(*, user, upload_uuid) -> Withdrawal | None:
    """Withdraw one of the user's photos; None when it is not theirs (or already gone)."""
    upload = withdrawable_uploads(user).filter(uuid=upload_uuid).first()
    if upload is None:
        return None
    return _withdraw(upload, user=user, scope=WithdrawalScope.PHOTO)


@transaction.atomic
def photos_withdraw_all(*, user, scope: str = WithdrawalScope.ALL) -> int:
    """Withdraw every photo of the user; photos sent but not yet cleaned are refused, so
    that none of them becomes an image afterwards."""
    uploads = list(withdrawable_uploads(user).select_for_update(of=("self",)))
    for upload in uploads:
        _withdraw(upload, user=user, scope=scope)
    _sent_uploads(user).update(
        state=UploadState.FAILED, reason_code="withdrawn", reason=WITHDRAWN_BEFORE_CLEANING
    )
    return len(uploads)


def _sent_uploads(user) -> QuerySet[Upload]:
    waiting = (UploadState.AWAITING, UploadState.RECEIVED)
    return Upload.objects.filter(Q(packet__volunteer=user) | Q(uploaded_by=user), state__in=waiting)


@transaction.atomic
def account_withdraw(*, user) -> int:
    """Withdraw every photo of the user and close the account (it can no longer sign in;
    the row stays, so that the withdrawals and consents keep who made them)."""
    count = photos_withdraw_all(user=user, scope=WithdrawalScope.ACCOUNT)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return count


def withdrawn_files_delete(*, now: datetime | None = None) -> int:
    """Delete the stored files of photos withdrawn longer ago than the grace period; the
    Withdrawal keeps their sha256. Safe to run twice: done rows are skipped."""
    cutoff = (now or timezone.now()) - timedelta(days=conf.withdrawal_grace_days())
    due = Withdrawal.objects.filter(files_deleted_at=None, withdrawn_at__lte=cutoff)
    deleted = 0
    for withdrawal in due.select_related("image"):
        image = withdrawal.image
        if image is not None:
            for name in (image.file.name, image.review_file.name):
                if name:
                    storage.remove(name)
        Withdrawal.objects.filter(pk=withdrawal.pk).update(files_deleted_at=timezone.now())
        deleted += 1
    return deleted


# --- what releases read ----------------------------------------------------------------


def releasable(images: QuerySet[Image]) -> QuerySet[Image]:
    """`images` without withdrawn ones and without photos sent under no recorded consent."""
    consented = ~Q(source=Source.PHOTO) | Q(upload__consent__isnull=False)
    return images.filter(consented, withdrawal=None)


def consent_terms(image: Image) -> str | None:
    """The terms version a photo was sent under (None for other images)."""
    if image.source != Source.PHOTO:
        return None
    upload = getattr(image, "upload", None)
    return upload.consent.terms_version if upload and upload.consent_id else None


def release_withdrawals(*, previous_published_at: datetime | None) -> list[dict]:
    """Every volunteer withdrawal, for a release's withdrawals.jsonl: those listed by an
    earlier release are marked `carried`, so the card counts only the new ones while the
    check still proves every one absent."""
    return [
        {
            "sha256": sha256,
            "reason": VOLUNTEER_REASON,
            "by": "volunteer",
            "carried": previous_published_at is not None and at <= previous_published_at,
        }
        for sha256, at in Withdrawal.objects.order_by("sha256").values_list(
            "sha256", "withdrawn_at"
        )
    ]
