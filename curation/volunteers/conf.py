"""The volunteers area's settings, each with a default so settings.py may omit it."""

from django.conf import settings

from benchmark import photos, sandbox


def photo_max_bytes() -> int:
    return getattr(settings, "PHOTO_MAX_BYTES", photos.MAX_BYTES)


def photo_max_pixels() -> int:
    return getattr(settings, "PHOTO_MAX_PIXELS", photos.MAX_PIXELS)


def photo_decode_limits() -> sandbox.Limits:
    """What cleaning one photo may cost (a separate process; the kernel enforces it)."""
    default = photos.DECODE_LIMITS
    return sandbox.Limits(
        cpu_seconds=getattr(settings, "PHOTO_DECODE_CPU_S", default.cpu_seconds),
        memory_bytes=getattr(settings, "PHOTO_DECODE_MEMORY_MB", default.memory_bytes >> 20) << 20,
        wall_seconds=default.wall_seconds,
    )


def upload_url_lifetime_s() -> int:
    """How long a presigned POST stays valid: long enough for a slow phone connection."""
    return getattr(settings, "PACKET_UPLOAD_URL_LIFETIME_S", 900)


def open_packet_limit() -> int:
    """How many packets a volunteer may hold that still wait for a photo."""
    return getattr(settings, "PACKET_OPEN_LIMIT", 3)


def uploads_per_hour() -> int:
    """Upload attempts one packet link may start per hour (a leaked link cannot flood S3)."""
    return getattr(settings, "PACKET_UPLOADS_PER_HOUR", 10)


def code_tries_per_window() -> int:
    return getattr(settings, "PACKET_CODE_TRIES", 10)


def code_window_s() -> int:
    return getattr(settings, "PACKET_CODE_WINDOW_S", 900)


def terms_version() -> str:
    """The terms a volunteer must have agreed to before any upload."""
    return getattr(settings, "CONSENT_TERMS_VERSION", "1")


def terms_template(version: str) -> str:
    return f"curation/volunteers/terms/{version}.html"


def withdrawal_grace_days() -> int:
    """Days a withdrawn photo's files are kept before the cleanup deletes them (only its
    sha256 stays)."""
    return getattr(settings, "WITHDRAWAL_GRACE_DAYS", 30)
