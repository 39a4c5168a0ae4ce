"""What volunteers hears from the apps beside it (they may not call it directly)."""

from django.dispatch import receiver

from curation.core.signals import image_rejected_in_review
from curation.volunteers import services


@receiver(image_rejected_in_review, dispatch_uid="volunteers-keep-review-reasons")
def _keep_review_reasons(sender, image_id: int, reasons: list[dict], **kwargs) -> None:
    services.upload_rejected_in_review(image_id=image_id, reasons=reasons)
