"""Helpers for the volunteers tests: moto's S3 server, S3 settings, phone-like photos and
a counter of the bytes read through curation.core.storage."""

import functools
import io
import socket
import uuid
from dataclasses import dataclass, field

import boto3
from django.core.management import call_command
from PIL import Image as PILImage

from curation.core import storage
from curation.volunteers import services

# Small enough that the hostile corpus's oversized file stays cheap (1 MB + 1 byte).
TEST_MAX_BYTES = 1_000_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    """moto's S3 server on a fixed port; `stop` and `start` keep its objects (moto keeps
    them in this process), which is how a test takes S3 down mid-way."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server_class = ThreadedMotoServer
        self._server = None

    def start(self) -> None:
        self._server = self._server_class(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        listening = self._server._server
        self._server.stop()
        listening.server_close()  # moto's stop leaves the socket open: refuse connections
        self._server = None


@dataclass
class S3:
    bucket: str
    endpoint: str
    client: object = field(repr=False)

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


@functools.cache
def _test_client(endpoint: str):
    """The tests' own view of the bucket (built once: loading boto3's models is slow)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def use_s3(settings, endpoint: str) -> S3:
    """Point the site at a fresh bucket on `endpoint` and set it up like production."""
    bucket = f"mmp-test-{uuid.uuid4().hex[:12]}"
    settings.S3_BUCKET = bucket
    settings.S3_ENDPOINT_URL = endpoint
    settings.S3_REGION = "us-east-1"
    settings.S3_ACCESS_KEY_ID = "testing"
    settings.S3_SECRET_ACCESS_KEY = "testing"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": settings.S3_URL_LIFETIME_S,
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
    }
    call_command("setup_storage", stdout=io.StringIO())
    client = _test_client(endpoint)
    return S3(bucket=bucket, endpoint=endpoint, client=client)


def photo_with_metadata(
    size=(640, 480), orientation: int = 6, colour=(40, 90, 160), quality: int = 90
) -> bytes:
    """A real JPEG as a phone writes it: GPS position, camera make and model, capture
    time, and an orientation tag saying "turn me 90 degrees clockwise" (6)."""
    image = PILImage.new("RGB", size, "white")
    # A coloured block in the top-left corner shows where "up" ends up after cleaning.
    image.paste(colour, (0, 0, size[0] // 3, size[1] // 3))
    image.paste((20, 20, 20), (size[0] // 2, size[1] // 2, size[0] - 20, size[1] - 20))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[0x0112] = orientation
    exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=quality)
    return buffer.getvalue()


class StorageReadCounter:
    """Counts the bytes read through curation.core.storage, split by whether a cleaning
    job was running: what the site's own request handling reads is `site_bytes`."""

    READERS = ("read_bytes", "read_prefix")

    def __init__(self, monkeypatch):
        self.site_bytes = 0
        self.job_bytes = 0
        self.site_calls: list[str] = []
        self._in_job = 0
        for name in self.READERS:
            monkeypatch.setattr(storage, name, self._counting(getattr(storage, name), name))
        original_open = storage.open_binary
        monkeypatch.setattr(storage, "open_binary", self._counting_open(original_open))
        process = services.upload_process
        monkeypatch.setattr(services, "upload_process", self._as_job(process))

    def _record(self, name: str, count: int) -> None:
        if self._in_job:
            self.job_bytes += count
        else:
            self.site_bytes += count
            self.site_calls.append(name)

    def _counting(self, reader, name):
        def read(*args, **kwargs):
            data = reader(*args, **kwargs)
            self._record(name, len(data))
            return data

        return read

    def _counting_open(self, opener):
        def open_binary(*args, **kwargs):
            handle = opener(*args, **kwargs)
            self._record("open_binary", 0)
            original_read = handle.read

            def read(*read_args):
                data = original_read(*read_args)
                self._record("open_binary.read", len(data))
                return data

            handle.read = read
            return handle

        return open_binary

    def _as_job(self, process):
        def upload_process(*args, **kwargs):
            self._in_job += 1
            try:
                return process(*args, **kwargs)
            finally:
                self._in_job -= 1

        return upload_process
