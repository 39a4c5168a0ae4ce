"""Notice when a maintainer sends a decided image back to review (core's send-back saves
the image with status pending): its next round must start from no reviews. And give an
annotator's held images back when they sign out."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from curation.core.models import Image, ImageStatus
from curation.review import services
from curation.review.models import Lease


@receiver(pre_save, sender=Image, dispatch_uid="review-image-reopen-check")
def _note_reopening(sender, instance: Image, **kwargs) -> None:
    if instance.pk is None or instance.status != ImageStatus.PENDING:
        return
    before = Image.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    instance._review_reopened = before not in (None, ImageStatus.PENDING)


@receiver(post_save, sender=Image, dispatch_uid="review-image-reopen")
def _start_new_round(sender, instance: Image, created: bool, **kwargs) -> None:
    if not created and getattr(instance, "_review_reopened", False):
        instance._review_reopened = False
        services.image_reopened(instance.pk)


@receiver(user_logged_out, dispatch_uid="review-release-on-sign-out")
def _give_back_held_images(sender, request, user, **kwargs) -> None:
    """Signing out hands the images one holds back to the queue at once."""
    if user is not None:
        held = Lease.objects.filter(annotator=user).values_list("image_id", flat=True)
        services.lease_release(annotator=user, image_ids=held)
