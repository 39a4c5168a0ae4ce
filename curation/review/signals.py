"""Give an annotator's held images back to the queue when they sign out."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from curation.review import services


@receiver(user_logged_out, dispatch_uid="review-release-on-sign-out")
def _give_back_held_images(sender, request, user, **kwargs) -> None:
    """Signing out hands the images one holds back to the queue at once."""
    if user is not None:
        services.lease_release(annotator=user)
