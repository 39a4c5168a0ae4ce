"""Packets (a form to fill in by hand and photograph) and the photos uploaded for them."""

import secrets
import uuid

from django.conf import settings
from django.db import models

from curation.core.models import Identity, Image, ImageStatus, Scenario, TargetType

# No 0/O, 1/I/L: a code copied from paper or read aloud cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """What a person typed ("abcd-2345 ") as a stored code ("ABCD2345")."""
    return "".join(character for character in typed.upper() if character.isalnum())


class PacketStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    RECEIVED = "received", "Photo received"
    PROCESSING = "processing", "Processing"
    IN_REVIEW = "in_review", "In review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


# Statuses in which a (new) photo may be sent for a packet.
UPLOAD_OPEN = frozenset({PacketStatus.ISSUED, PacketStatus.REJECTED})

WITHDRAWN = "You withdrew this photo: it will not be published. You can send a new one."
REVIEW_RETAKE = "Please take a new photo of the whole sheet and upload it again."
# When the reviewers' reasons are not known (an image rejected outside the review desk).
REVIEW_REJECTION = (
    "A reviewer could not use this photo (for example the writing is hard to read, the "
    f"sheet is cut off, or something personal is visible). {REVIEW_RETAKE}"
)


class RefusedBy(models.TextChoices):
    """Who turned a photo down, so that the volunteer knows whether a person saw it."""

    CHECK = "check", "the automatic check of the file"
    REVIEWER = "reviewer", "a reviewer who looked at the photo"
    YOU = "you", "you (withdrawn)"


class PacketBatch(models.Model):
    """Packets a maintainer created together, printed together as one PDF."""

    scenario = models.CharField(max_length=16, choices=Scenario.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "packet batches"

    def __str__(self):
        return f"Batch #{self.pk} ({self.scenario})"


class Packet(models.Model):
    """One probe identity's form for one scenario, to be filled in by hand and photographed.

    Owned by the volunteer who asked for it or claimed it by its code; a maintainer's
    bulk packets have no owner until then (the printed QR link works without one).
    """

    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code)
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="packets")
    scenario = models.CharField(max_length=16, choices=Scenario.choices)
    target_type = models.CharField(
        max_length=8,
        choices=TargetType.choices,
        blank=True,
        help_text="The value an open-context form shows; blank otherwise.",
    )
    variant = models.PositiveSmallIntegerField(default=0)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packets",
    )
    batch = models.ForeignKey(
        PacketBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="packets"
    )
    current_upload = models.ForeignKey(
        "Upload",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest photo sent; its state is the packet's status.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "scenario", "target_type"], name="one_packet_per_form"
            )
        ]

    def __str__(self):
        return f"Packet {self.display_code} ({self.scenario})"

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def status(self) -> str:
        upload = self.current_upload
        if upload is None:
            return PacketStatus.ISSUED
        return upload.packet_status

    @property
    def status_label(self) -> str:
        return PacketStatus(self.status).label

    @property
    def rejection_reason(self) -> str:
        upload = self.current_upload
        return upload.rejection_reason if upload else ""

    @property
    def refused_by(self) -> str:
        upload = self.current_upload
        return upload.refused_by if upload else ""

    @property
    def accepts_upload(self) -> bool:
        return self.status in UPLOAD_OPEN

    @property
    def awaits_processing(self) -> bool:
        return self.status in (PacketStatus.RECEIVED, PacketStatus.PROCESSING)


class UploadState(models.TextChoices):
    AWAITING = "awaiting", "Waiting for the photo"
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Stored for review"
    FAILED = "failed", "Refused"


class Upload(models.Model):
    """One photo sent for a packet: its raw object, then the cleaned Image it became."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="uploads")
    raw_key = models.CharField(max_length=300, unique=True)
    declared_type = models.CharField(
        max_length=100, blank=True, help_text="What the browser claimed; checked, never trusted."
    )
    state = models.CharField(
        max_length=12, choices=UploadState.choices, default=UploadState.AWAITING, db_index=True
    )
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True, help_text="Why the photo was refused, for the volunteer.")
    image = models.OneToOneField(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload"
    )
    run = models.ForeignKey(
        "core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    simulated = models.BooleanField(default=False, help_text="A demo photo, not a real one.")
    consent = models.ForeignKey(
        "Consent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uploads",
        help_text="The consent the photo was sent under; releases need one per photo.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Upload {self.uuid} for {self.packet_id} ({self.state})"

    @property
    def packet_status(self) -> str:
        if self.state in (UploadState.AWAITING, UploadState.RECEIVED):
            return PacketStatus.RECEIVED
        if self.state == UploadState.PROCESSING:
            return PacketStatus.PROCESSING
        if self.state == UploadState.FAILED or self.image is None:
            return PacketStatus.REJECTED
        return {
            ImageStatus.ACCEPTED: PacketStatus.ACCEPTED,
            ImageStatus.REJECTED: PacketStatus.REJECTED,
        }.get(self.image.status, PacketStatus.IN_REVIEW)

    @property
    def state_label(self) -> str:
        """Where the photo stands, for its volunteer: once stored, its review's outcome."""
        if self.state != UploadState.DONE or self.image is None:
            return self.get_state_display()
        if hasattr(self.image, "withdrawal"):
            return "Withdrawn"
        return {
            PacketStatus.ACCEPTED: "Accepted",
            PacketStatus.REJECTED: "Rejected by a reviewer",
        }.get(self.packet_status, self.get_state_display())

    @property
    def rejection_reason(self) -> str:
        """Why the photo was turned down, for its volunteer; "" when it was not. After a
        review rejection `reason` holds the reviewers' reasons (kept by services)."""
        if self.state == UploadState.FAILED:
            return self.reason
        if self.packet_status != PacketStatus.REJECTED:
            return ""
        if hasattr(self.image, "withdrawal"):
            return WITHDRAWN
        if self.reason:
            return f"A reviewer could not use this photo: {self.reason}. {REVIEW_RETAKE}"
        return REVIEW_REJECTION

    @property
    def refused_by(self) -> str:
        """A `RefusedBy` value, or "" when the photo was not turned down."""
        if self.packet_status != PacketStatus.REJECTED:
            return ""
        if self.reason_code == "withdrawn" or hasattr(self.image, "withdrawal"):
            return RefusedBy.YOU
        return RefusedBy.CHECK if self.state == UploadState.FAILED else RefusedBy.REVIEWER


class Consent(models.Model):
    """A volunteer agreed to one version of the terms (templates/curation/volunteers/terms/)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents"
    )
    terms_version = models.CharField(max_length=40)
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "terms_version"], name="consent_once_per_terms")
        ]

    def __str__(self):
        return f"{self.user} agreed to terms {self.terms_version}"


class WithdrawalScope(models.TextChoices):
    PHOTO = "photo", "One photo"
    ALL = "all", "All their photos"
    ACCOUNT = "account", "Their account"


class Withdrawal(models.Model):
    """A photo its volunteer took back. The sha256 outlives the files (deleted after the
    grace period), so every later release lists it and the release check proves it absent."""

    image = models.OneToOneField(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="withdrawal"
    )
    sha256 = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="withdrawals",
    )
    scope = models.CharField(max_length=8, choices=WithdrawalScope.choices)
    withdrawn_at = models.DateTimeField(auto_now_add=True, db_index=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-withdrawn_at", "-id"]

    def __str__(self):
        return f"Withdrawal of {self.sha256[:12]} ({self.scope})"
