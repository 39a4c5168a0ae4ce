"""Uploads on S3 (moto's server over HTTP): presigned POSTs, the cleaning job on the raw
object, hostile files, and an S3 outage in the middle."""

import base64
import io
import json

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from django_rq import get_queue, get_worker
from PIL import Image as PILImage
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from benchmark.photos import PhotoRejected, clean_photo
from curation.core import storage
from curation.core.models import Image, JobRun, RunStatus
from curation.review.models import Review
from curation.volunteers import services, tokens
from curation.volunteers.models import PacketStatus, Upload, UploadState
from tests.s3 import MotoServer, use_s3
from tests.support.hostile_photos import hostile_corpus
from tests.volunteers.helpers import TEST_MAX_BYTES, photo_with_metadata

HOSTILE = hostile_corpus(TEST_MAX_BYTES)


def _url(name: str, packet) -> str:
    return reverse(name, kwargs={"token": tokens.make_token(packet)})


def _start(client, packet, content_type: str | None = "image/jpeg") -> dict:
    claims = {"type": content_type} if content_type is not None else {}
    response = client.post(
        _url("curation:packet-upload-start", packet), claims, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _post_to_s3(target: dict, data: bytes, content_type: str, name="phone.jpg") -> None:
    """What the browser does: a multipart form post straight to the bucket."""
    response = requests.post(
        target["url"], data=target["fields"], files={"file": (name, data, content_type)}
    )
    assert response.status_code == 204, response.text


def _uploaded(client, packet, key: str):
    return client.post(
        _url("curation:packet-upload-done", packet), {"key": key}, content_type="application/json"
    )


def _status(client, packet) -> dict:
    return client.get(_url("curation:packet-upload-status", packet)).json()


def _policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_the_presigned_post_pins_the_key_the_size_and_the_type(client, s3, packet):
    target = _start(client, packet)
    assert target["direct"] is True
    assert target["url"] == f"{s3.endpoint}/{s3.bucket}"
    key = target["key"]
    assert key.startswith(f"uploads/raw/{packet.code}/") and target["fields"]["key"] == key
    conditions = _policy(target["fields"])["conditions"]
    assert {"key": key} in conditions and {"bucket": s3.bucket} in conditions
    assert ["content-length-range", 1, TEST_MAX_BYTES] in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert target["fields"]["Content-Type"] == "image/jpeg"


def test_a_photo_posted_to_s3_is_cleaned_and_the_raw_upload_deleted(
    client, s3, packet, read_counter, django_capture_on_commit_callbacks
):
    target = _start(client, packet)
    _post_to_s3(target, photo_with_metadata(orientation=8), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = _uploaded(client, packet, target["key"])
    assert response.status_code == 200 and response.json()["status"] == PacketStatus.RECEIVED
    assert _status(client, packet)["status"] == PacketStatus.IN_REVIEW
    assert read_counter.site_bytes == 0 and read_counter.site_calls == []
    assert read_counter.job_bytes > 0
    image = Upload.objects.get(packet=packet).image
    assert s3.keys("uploads/raw/") == []
    assert sorted(s3.keys("photos/")) == sorted([image.file.name, image.review_file.name])
    stored = PILImage.open(io.BytesIO(s3.get(image.file.name)))
    assert stored.size == (480, 640) and not stored.getexif()


def test_the_uploaded_call_only_accepts_this_packets_pending_key(
    client, s3, make_packet, volunteer
):
    first, second = make_packet("hiring", volunteer), make_packet("finance", volunteer)
    target = _start(client, first)
    assert _uploaded(client, second, target["key"]).status_code == 409
    assert _uploaded(client, first, "uploads/raw/elsewhere").status_code == 409
    assert Upload.objects.get().state == UploadState.AWAITING


@pytest.mark.parametrize("hostile", HOSTILE, ids=[item.name for item in HOSTILE])
def test_a_hostile_file_ends_in_a_clear_refusal(
    client, s3, packet, settings, hostile, django_capture_on_commit_callbacks
):
    settings.PACKET_UPLOADS_PER_HOUR = 100
    # The browser's claims are not trusted: the size is not sent, the type may lie.
    target = _start(client, packet, content_type=hostile.declared_type)
    s3.client.put_object(Bucket=s3.bucket, Key=target["key"], Body=hostile.data)
    with django_capture_on_commit_callbacks(execute=True):
        _uploaded(client, packet, target["key"])
    status = _status(client, packet)
    upload = Upload.objects.get(packet=packet)
    assert (upload.state, upload.reason_code) == (UploadState.FAILED, hostile.expected_code)
    assert status["status"] == PacketStatus.REJECTED and status["can_upload"]
    with pytest.raises(PhotoRejected) as expected:
        clean_photo(hostile.data, declared_type=hostile.declared_type, max_bytes=TEST_MAX_BYTES)
    assert status["reason"] == expected.value.message
    run = JobRun.objects.get(pk=upload.run_id)
    assert run.status == RunStatus.FAILED and hostile.expected_code in run.error
    assert s3.keys("uploads/raw/") == [] and not Image.objects.exists()
    page = client.get(_url("curation:packet-upload", packet)).content.decode()
    assert status["reason"].split(".")[0] in page


def test_the_bucket_allows_browser_uploads_from_the_site_only(s3, settings):
    def preflight(origin: str):
        return requests.options(
            f"{s3.endpoint}/{s3.bucket}",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )

    allowed = preflight(settings.SITE_URL)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == settings.SITE_URL
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert preflight("https://elsewhere.example").status_code == 403
    block = s3.client.get_public_access_block(Bucket=s3.bucket)
    assert all(block["PublicAccessBlockConfiguration"].values())


def test_setup_storage_can_run_again(s3):
    out = io.StringIO()
    call_command("setup_storage", stdout=out)
    assert f"Bucket {s3.bucket} exists." in out.getvalue()
    rules = s3.client.get_bucket_lifecycle_configuration(Bucket=s3.bucket)["Rules"]
    assert rules[0]["Filter"]["Prefix"] == "uploads/raw/"


def test_reviewers_see_the_photo_through_a_short_lived_link(
    client, client_as, s3, packet, annotator, django_capture_on_commit_callbacks
):
    target = _start(client, packet)
    _post_to_s3(target, photo_with_metadata(), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        _uploaded(client, packet, target["key"])
    image = Upload.objects.get().image
    Review.objects.create(image=image, annotator=annotator, decision="accept")
    response = client_as(annotator).get(reverse("curation:image-file", args=[image.pk]))
    location = response["Location"]
    assert response.status_code == 302 and "Signature=" in location and "Expires" in location
    assert response["Cache-Control"].startswith("private")
    fetched = requests.get(location)
    assert fetched.status_code == 200 and fetched.content == s3.get(image.file.name)
    unsigned = requests.get(location.split("?")[0])
    assert unsigned.status_code == 403


@pytest.fixture
def rq_queue(settings):
    settings.JOBS_MODE = "rq"
    queue = get_queue("default")
    queue.empty()
    registry = ScheduledJobRegistry(queue=queue)
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
    yield queue
    queue.empty()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_s3_outage_is_retried_and_no_photo_is_lost(
    client, settings, packet, rq_queue, monkeypatch
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore's own quick retries, kept short
    own_server = MotoServer()
    own_server.start()
    s3 = use_s3(settings, own_server.endpoint)
    try:
        target = _start(client, packet)
        _post_to_s3(target, photo_with_metadata(), "image/jpeg")
        own_server.stop()  # S3 goes away after the photo arrived
        response = _uploaded(client, packet, target["key"])
        assert response.json()["status"] == PacketStatus.RECEIVED
        [job] = rq_queue.jobs
        assert job.retries_left == services.PROCESS_RETRIES

        worker = get_worker("default", worker_class=SimpleWorker)
        worker.work(burst=True)
        upload = Upload.objects.get(packet=packet)
        run = JobRun.objects.get(pk=upload.run_id)
        assert run.status == RunStatus.RETRYING and "StorageUnavailable" in run.error
        assert upload.state == UploadState.PROCESSING and upload.image is None
        registry = ScheduledJobRegistry(queue=rq_queue)
        assert registry.get_job_ids() == [job.id]  # RQ will try again, with backoff
        assert rq_queue.fetch_job(job.id).retries_left == services.PROCESS_RETRIES - 1

        own_server.start()  # S3 is back: the raw photo is still there
        assert s3.keys("uploads/raw/") == [target["key"]]
        registry.requeue(job.id)  # what RQ's scheduler does once the backoff has passed
        worker.work(burst=True)
        run.refresh_from_db()
        upload.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED and run.attempts == 2
        assert upload.state == UploadState.DONE and upload.image is not None
        assert s3.keys("uploads/raw/") == []
        assert storage.exists(upload.image.file.name)
    finally:
        if own_server._server is not None:
            own_server.stop()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_second_run_after_success_only_finishes_the_cleanup(client, s3, packet, rq_queue):
    target = _start(client, packet)
    _post_to_s3(target, photo_with_metadata(), "image/jpeg")
    _uploaded(client, packet, target["key"])
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    upload = Upload.objects.get(packet=packet)
    assert upload.state == UploadState.DONE
    # As if the first run had died between creating the Image and deleting the raw upload.
    s3.client.put_object(Bucket=s3.bucket, Key=upload.raw_key, Body=b"left behind")
    result = services.upload_process(upload.pk)
    assert result == {"image": upload.image_id, "finished_earlier": True}
    assert s3.keys("uploads/raw/") == [] and Image.objects.count() == 1
