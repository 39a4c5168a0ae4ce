"""The one module that talks to file storage: local disk by default, S3 when configured.

Everything else calls these functions and never boto3 or django-storages directly.
Objects are private: people see them through `image_url`, a presigned GET with a
short lifetime on S3, or a role-checked view on local disk. Browsers upload
straight to S3 with a presigned POST whose policy pins the key, the size range and
the content type; `ensure_bucket` (the `setup_storage` command) creates the bucket,
blocks public access and allows those POSTs from the site's origin (CORS).
"""

import contextlib
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

# S3 error codes that mean "try again later", whatever the HTTP status says.
_RETRYABLE_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError", "Throttling"}
)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
# Phone photos land here before the cleaning job; the bucket's lifecycle rule (set by
# `setup_storage`) expires those never processed (abandoned, or a very long outage).
RAW_UPLOAD_PREFIX = "uploads/raw/"


def raw_upload_expiry_days() -> int:
    """Raw uploads never processed (abandoned, or a very long outage) expire after this."""
    return getattr(settings, "RAW_UPLOAD_EXPIRY_DAYS", 14)


class StorageUnavailable(Exception):
    """Storage could not be reached or answered with a server error: retry later."""


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


def browser_origins() -> list[str]:
    """Where browsers fetch images and post phone uploads: the S3 endpoint (path-style
    and virtual-hosted on AWS); nothing on local disk, where the site serves both."""
    if not uses_s3():
        return []
    if settings.S3_ENDPOINT_URL:
        return [settings.S3_ENDPOINT_URL.rstrip("/")]
    region, bucket = settings.S3_REGION, settings.S3_BUCKET
    return [f"https://s3.{region}.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


def presigned_get_url(name: str) -> str:
    """A short-lived URL for a private S3 object (S3 only)."""
    return default_storage.url(name)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means storage is unreachable or overloaded (worth a retry later),
    as opposed to a request it refused (missing object, no permission)."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, StorageUnavailable | ConnectionError | HTTPClientError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or _error_code(error) in _RETRYABLE_CODES
    return isinstance(error, OSError) and not isinstance(error, FileNotFoundError)


def _error_code(error) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_missing(error: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if isinstance(error, FileNotFoundError):
        return True
    return isinstance(error, ClientError) and _error_code(error) in _MISSING_CODES


@contextlib.contextmanager
def _outages_raised_as_unavailable():
    """Re-raise storage outages as StorageUnavailable so callers need not know boto3."""
    try:
        yield
    except StorageUnavailable:
        raise
    except Exception as error:
        if is_unavailable(error):
            raise StorageUnavailable(f"Storage is unreachable: {error}") from error
        raise


def object_size(name: str) -> int | None:
    """The stored object's real size in bytes (a HEAD on S3), or None when it is missing."""
    with _outages_raised_as_unavailable():
        try:
            if uses_s3():
                return _client().head_object(Bucket=_bucket_name(), Key=name)["ContentLength"]
            return default_storage.size(name)
        except Exception as error:
            if _is_missing(error):
                return None
            raise


def read_prefix(name: str, length: int) -> bytes:
    """At most the object's first `length` bytes (a ranged GET on S3): its leading bytes to
    check the type cheaply, or the whole object with a cap on what is read."""
    with _outages_raised_as_unavailable():
        if uses_s3():
            response = _client().get_object(
                Bucket=_bucket_name(), Key=name, Range=f"bytes=0-{max(0, length - 1)}"
            )
            return response["Body"].read()
        with default_storage.open(name, "rb") as handle:
            return handle.read(length)


def save_file(key: str, content) -> str:
    """Store a file-like object (a browser upload on local disk); return the stored name."""
    with _outages_raised_as_unavailable():
        return default_storage.save(key, content)


def replace_bytes(key: str, data: bytes) -> str:
    """Store `data` at exactly `key`, replacing what a failed earlier attempt left there."""
    with _outages_raised_as_unavailable():
        if default_storage.exists(key):
            default_storage.delete(key)
        return default_storage.save(key, ContentFile(data))


def names_under(prefix: str) -> list[str]:
    """Every stored name below a folder (an S3 prefix), at any depth; [] when none."""
    with _outages_raised_as_unavailable():
        return _names_under(prefix.rstrip("/"))


def _names_under(prefix: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}/{name}" for name in files]
    for folder in folders:
        names.extend(_names_under(f"{prefix}/{folder}"))
    return names


def modified_at(name: str):
    """When the stored object was last written (an aware datetime)."""
    with _outages_raised_as_unavailable():
        return default_storage.get_modified_time(name)


def remove(name: str) -> None:
    """Delete an object if it exists; outages raise StorageUnavailable. On local disk the
    folders it leaves empty go too, so cleanups don't leave a tree of empty folders."""
    with _outages_raised_as_unavailable():
        delete(name)
    if name and not uses_s3():
        _remove_empty_folders(Path(default_storage.path(name)).parent)


def _remove_empty_folders(folder: Path) -> None:
    root = Path(default_storage.location).resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # fails, harmlessly, on a folder that still holds something
        except OSError:
            return
        folder = folder.parent


def presigned_post(key: str, *, max_bytes: int, content_type: str, expires_s: int) -> dict:
    """A browser form post straight to S3 for exactly `key` (S3 only).

    The signed policy allows 1..max_bytes bytes and a Content-Type starting with
    image/. Emulators may not enforce it, and clients may lie within it: whoever
    reads the object must still check its real size and type.
    """
    if not uses_s3():
        raise RuntimeError("Presigned POSTs need S3 storage (set S3_BUCKET).")
    with _outages_raised_as_unavailable():
        return _client().generate_presigned_post(
            Bucket=_bucket_name(),
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                ["content-length-range", 1, max_bytes],
                ["starts-with", "$Content-Type", "image/"],
            ],
            ExpiresIn=expires_s,
        )


def ensure_bucket(*, cors_origins: list[str], expire_prefix: str = "", expire_days: int = 0):
    """Create the private bucket if missing, block public access and allow browser POSTs
    from `cors_origins`; objects under `expire_prefix` expire after `expire_days` (for
    uploads abandoned before processing). Returns one line per step, for the command."""
    if not uses_s3():
        return [f"Local disk storage under {settings.MEDIA_ROOT}: nothing to set up."]
    client, bucket = _client(), _bucket_name()
    with _outages_raised_as_unavailable():
        lines = [_create_bucket(client, bucket)]
        lines.append(
            _optional_step(
                "Public access blocked",
                lambda: client.put_public_access_block(
                    Bucket=bucket,
                    PublicAccessBlockConfiguration={
                        "BlockPublicAcls": True,
                        "IgnorePublicAcls": True,
                        "BlockPublicPolicy": True,
                        "RestrictPublicBuckets": True,
                    },
                ),
            )
        )
        lines.append(
            _optional_step(
                f"CORS allows uploads from {', '.join(cors_origins)}",
                lambda: client.put_bucket_cors(
                    Bucket=bucket, CORSConfiguration=_cors_configuration(cors_origins)
                ),
            )
        )
        if expire_prefix and expire_days:
            lines.append(
                _optional_step(
                    f"Objects under {expire_prefix} expire after {expire_days} days",
                    lambda: client.put_bucket_lifecycle_configuration(
                        Bucket=bucket,
                        LifecycleConfiguration=_expiry_rule(expire_prefix, expire_days),
                    ),
                )
            )
    return lines


def _create_bucket(client, bucket: str) -> str:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
        return f"Bucket {bucket} exists."
    except ClientError as error:
        if not _is_missing(error) and _error_code(error) != "NoSuchBucket":
            raise
    region = settings.S3_REGION
    location = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    client.create_bucket(Bucket=bucket, **location)
    return f"Bucket {bucket} created."


def _optional_step(done: str, call) -> str:
    """Apply one bucket setting; S3-compatible stores that lack the API say so, not fail."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        if _error_code(error) not in {"NotImplemented", "501"}:
            raise
        return f"Skipped (this store does not support it): {done}."
    return f"{done}."


def _cors_configuration(origins: list[str]) -> dict:
    return {
        "CORSRules": [
            {
                "AllowedOrigins": origins,
                "AllowedMethods": ["POST", "GET"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag", "Location"],
                "MaxAgeSeconds": 3600,
            }
        ]
    }


def _expiry_rule(prefix: str, days: int) -> dict:
    return {
        "Rules": [
            {
                "ID": "expire-abandoned-uploads",
                "Filter": {"Prefix": prefix},
                "Status": "Enabled",
                "Expiration": {"Days": days},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }


def read_if_exists(name: str) -> bytes | None:
    """The object's bytes, or None when there is none; outages raise StorageUnavailable."""
    with _outages_raised_as_unavailable():
        try:
            return read_bytes(name)
        except Exception as error:
            if _is_missing(error):
                return None
            raise


def stored_sha256(name: str) -> str | None:
    """The sha256 recorded on an object written by `copy_object` or `upload_path` (S3
    only), or None when the object is missing or was written otherwise."""
    with _outages_raised_as_unavailable():
        try:
            head = _client().head_object(Bucket=_bucket_name(), Key=name)
        except Exception as error:
            if _is_missing(error):
                return None
            raise
    return head.get("Metadata", {}).get("sha256")


def copy_object(source: str, name: str, *, sha256: str) -> None:
    """A server-side copy inside the bucket (S3 only): no bytes pass through this machine."""
    with _outages_raised_as_unavailable():
        _client().copy_object(
            Bucket=_bucket_name(),
            Key=name,
            CopySource={"Bucket": _bucket_name(), "Key": source},
            Metadata={"sha256": sha256},
            MetadataDirective="REPLACE",
        )


def upload_path(path, name: str, *, sha256: str, content_type: str) -> None:
    """Stream a local file to the bucket at exactly `name` (S3 only; multipart when large)."""
    with _outages_raised_as_unavailable():
        _client().upload_file(
            str(path),
            _bucket_name(),
            name,
            ExtraArgs={"Metadata": {"sha256": sha256}, "ContentType": content_type},
        )


def bucket_name() -> str | None:
    return settings.S3_BUCKET or None


def _client():
    return default_storage.connection.meta.client


def _bucket_name() -> str:
    return default_storage.bucket_name
