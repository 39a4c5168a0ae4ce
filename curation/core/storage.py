"""The one module that talks to file storage: local disk by default, S3 when configured.

Everything else calls these functions and never boto3 or django-storages directly.
Objects are private: people see them through `image_url`, a presigned GET with a
short lifetime on S3, or a role-checked view on local disk.
"""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def uses_s3() -> bool:
    return bool(settings.S3_BUCKET)


def save_bytes(key: str, data: bytes) -> str:
    """Store `data` under `key` (never overwriting another object); return the stored name."""
    return default_storage.save(key, ContentFile(data))


def read_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def open_binary(name: str):
    return default_storage.open(name, "rb")


def exists(name: str) -> bool:
    return default_storage.exists(name)


def delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def local_path(name: str) -> str | None:
    """The file's path on local disk, or None when stored remotely."""
    if uses_s3():
        return None
    return default_storage.path(name)


def presigned_get_url(name: str) -> str:
    """A short-lived URL for a private S3 object (S3 only)."""
    return default_storage.url(name)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
