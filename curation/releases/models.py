from django.conf import settings
from django.db import models

from curation.core.models import Image, JobRun


class ReleaseStatus(models.TextChoices):
    BUILDING = "building", "Building"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class Release(models.Model):
    """One export of the accepted set; immutable once published."""

    version = models.CharField(max_length=40)
    destination = models.CharField(max_length=500, help_text="Folder the release is published to.")
    seed = models.BigIntegerField()  # up to 2**53 - 1 (benchmark.release.config)
    preset = models.CharField(max_length=20, blank=True)
    config = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.BUILDING
    )
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    run = models.ForeignKey(JobRun, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "destination"], name="release_once_per_place"
            )
        ]

    def __str__(self):
        return f"MM-Privacy {self.version} ({self.status})"


class ReleaseImage(models.Model):
    """An image a published release holds; later withdrawals are listed against it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="members")
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="releases")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "image"], name="release_image_once")
        ]

    def __str__(self):
        return f"{self.release.version}: image #{self.image_id}"
