"""moto's S3 server over HTTP, and the site pointed at a fresh private bucket on it."""

import functools
import io
import socket
import uuid
from dataclasses import dataclass, field

import boto3
from django.core.management import call_command

from curation.settings import s3_storage


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
        "default": s3_storage(
            bucket, endpoint, "us-east-1", "testing", "testing", settings.S3_URL_LIFETIME_S
        ),
    }
    call_command("setup_storage", stdout=io.StringIO())
    client = _test_client(endpoint)
    return S3(bucket=bucket, endpoint=endpoint, client=client)
