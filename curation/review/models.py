"""The review queue: per-source policy, leases, reviews, adjudications and gold answers.

`Image.status` stays the one truth of pending / accepted / rejected; these rows record
who looked at an image, what they decided, and who may look at it now.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from curation.core.models import Image, Source


class Decision(models.TextChoices):
    ACCEPT = "accept", "Accept"
    REJECT = "reject", "Reject"


class Combine(models.TextChoices):
    UNANIMOUS = "unanimous", "Unanimous accept or unanimous reject, else adjudication"
    ACCEPT_UNANIMOUS = "accept-unanimous", "Unanimous accept, anything else to adjudication"


MAX_REASONS = 9

DEFAULT_POLICIES = {
    Source.PHOTO: {
        "reviews_needed": 1,
        "reject_reasons": [
            {"code": "illegible", "label": "Illegible"},
            {"code": "mismatch", "label": "Values do not match the identity"},
            {"code": "real-data", "label": "Real personal data or a face visible"},
            {"code": "wrong-form", "label": "Wrong form"},
            {"code": "blurred", "label": "Blurred"},
        ],
    },
    Source.DIFFUSION: {
        "reviews_needed": 2,
        "reject_reasons": [
            {"code": "off-topic", "label": "Off-topic"},
            {"code": "artifacts", "label": "Artifacts"},
            {
                "code": "real-looking-text",
                "label": "Legible text that looks like real personal data",
            },
            {"code": "disturbing", "label": "Disturbing content"},
        ],
    },
    Source.TEMPLATE: {
        "reviews_needed": 1,
        "reject_reasons": [
            {"code": "values-wrong", "label": "Values do not match the identity"},
            {"code": "layout", "label": "Text cut off or overlapping"},
            {"code": "wrong-form", "label": "Wrong form"},
        ],
    },
}


class ReviewPolicy(models.Model):
    """How images of one source are reviewed; a maintainer edits it on the policy page."""

    source = models.CharField(max_length=16, choices=Source.choices, unique=True)
    reviews_needed = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    combine = models.CharField(max_length=20, choices=Combine.choices, default=Combine.UNANIMOUS)
    reject_reasons = models.JSONField(
        default=list, help_text="Reasons offered on reject, in key order: code and label."
    )
    gold_rate = models.FloatField(
        default=0.05,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of claims that serve a gold image of this source.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name_plural = "review policies"

    def __str__(self):
        return f"{self.get_source_display()}: {self.reviews_needed} review(s)"

    @property
    def reason_codes(self) -> list[str]:
        return [reason["code"] for reason in self.reject_reasons]


class Lease(models.Model):
    """Who may decide on an image right now. One row per image: a claim takes the row
    over only once it has expired, so two annotators never hold one image at once.
    After a decision the row stays for the undo window (`decided_at` set). `desk` names the
    review page (one page load) the image is held for: a closing page's beacon gives back
    only its own desk's images, so it never frees what a reloaded page has just taken over."""

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="lease")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_leases"
    )
    is_gold = models.BooleanField(default=False, help_text="Served as a gold check.")
    desk = models.CharField(
        max_length=64, blank=True, default="", help_text="The review page holding the image."
    )
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["annotator", "expires_at"],
                condition=Q(decided_at__isnull=True),
                name="review_lease_open_by_annotator",
            )
        ]

    def __str__(self):
        return f"Lease on image #{self.image_id} for {self.annotator_id} until {self.expires_at}"


class Review(models.Model):
    """One annotator's decision on one image. `is_current` turns false when a maintainer
    sends the image back to review, so the next round starts from no reviews; gold
    reviews (served as a check) never count towards the image's status."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="reviews")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reasons = models.JSONField(default=list, blank=True)
    is_gold = models.BooleanField(default=False)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "annotator"],
                condition=Q(is_current=True),
                name="review_once_per_annotator_and_round",
            )
        ]
        indexes = [
            models.Index(fields=["annotator", "created_at"], name="review_by_annotator_time"),
            models.Index(fields=["created_at"], name="review_created_at"),
        ]

    def __str__(self):
        return f"{self.decision} on image #{self.image_id} by {self.annotator_id}"


class Adjudication(models.Model):
    """An image whose reviews disagree, waiting for (or decided by) a maintainer."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="adjudications")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image"],
                condition=Q(resolved_at__isnull=True),
                name="review_one_open_adjudication_per_image",
            )
        ]

    def __str__(self):
        state = f"resolved: {self.decision}" if self.resolved_at else "open"
        return f"Adjudication of image #{self.image_id} ({state})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class GoldAnswer(models.Model):
    """An image with a known answer, mixed into annotators' queues to measure accuracy."""

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="gold")
    expected = models.CharField(max_length=8, choices=Decision.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Gold: image #{self.image_id} should be {self.expected}"
