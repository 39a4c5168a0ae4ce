"""Signed, expiring upload links: the token names one packet and proves the site made it."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from curation.volunteers.models import Packet

SALT = "curation.volunteers.packet-upload"
DEFAULT_MAX_AGE_DAYS = 30


class TokenInvalid(Exception):
    """The link is not one the site made (mistyped, cut short or altered)."""


class TokenExpired(Exception):
    """The link was genuine but is older than PACKET_TOKEN_MAX_AGE_DAYS."""


def max_age() -> timedelta:
    return timedelta(days=getattr(settings, "PACKET_TOKEN_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(packet: Packet) -> str:
    return _signer().sign(f"{packet.pk}-{packet.code}")


def upload_path(packet: Packet) -> str:
    return reverse("curation:packet-upload", kwargs={"token": make_token(packet)})


def upload_url(packet: Packet) -> str:
    """The absolute link printed in the packet's QR code."""
    return settings.SITE_URL + upload_path(packet)


def packet_for_token(token: str, *, max_age_s: float | None = None) -> Packet:
    """The packet the token was made for; raises TokenInvalid, TokenExpired or
    Packet.DoesNotExist (a genuine token for a packet deleted since)."""
    age = max_age().total_seconds() if max_age_s is None else max_age_s
    try:
        value = _signer().unsign(token, max_age=age)
    except signing.SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except signing.BadSignature as error:
        raise TokenInvalid(str(error)) from error
    packet_id, _, code = value.partition("-")
    return Packet.objects.select_related("current_upload__image", "identity").get(
        pk=int(packet_id), code=code
    )
