"""Reads: packets filtered by their derived status."""

from django.db.models import Q, QuerySet

from curation.core.models import ImageStatus
from curation.volunteers.models import Packet, PacketStatus, UploadState

_DONE = Q(current_upload__state=UploadState.DONE)
STATUS_FILTERS = {
    PacketStatus.ISSUED: Q(current_upload=None),
    PacketStatus.RECEIVED: Q(
        current_upload__state__in=[UploadState.AWAITING, UploadState.RECEIVED]
    ),
    PacketStatus.PROCESSING: Q(current_upload__state=UploadState.PROCESSING),
    PacketStatus.IN_REVIEW: _DONE & Q(current_upload__image__status=ImageStatus.PENDING),
    PacketStatus.ACCEPTED: _DONE & Q(current_upload__image__status=ImageStatus.ACCEPTED),
    PacketStatus.REJECTED: Q(current_upload__state=UploadState.FAILED)
    | (_DONE & Q(current_upload__image=None))
    | (_DONE & Q(current_upload__image__status=ImageStatus.REJECTED)),
}


def packets_with_status(status: str = "") -> QuerySet[Packet]:
    """Packets with the status's derived value; every packet for an unknown status."""
    packets = Packet.objects.select_related("current_upload__image")
    condition = STATUS_FILTERS.get(status)
    return packets.filter(condition) if condition is not None else packets.all()
