"""Uploads on local-disk storage (the embedded default): the photo goes through the site,
then the same cleaning job as on S3."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from curation.core import storage
from curation.core.models import ImageStatus, Source
from curation.review import services as review_services
from curation.review.models import Adjudication, ReviewPolicy
from curation.volunteers import consent, tokens
from curation.volunteers.models import REVIEW_REJECTION, PacketStatus, Upload, UploadState
from tests.volunteers.helpers import TEST_MAX_BYTES, photo_with_metadata


def _url(name: str, packet) -> str:
    return reverse(name, kwargs={"token": tokens.make_token(packet)})


def _send(client, packet, data: bytes, content_type="image/jpeg", name="phone.jpg") -> dict:
    """What the upload page does on local disk: ask where to send, then post the file."""
    start = client.post(
        _url("curation:packet-upload-start", packet),
        {"type": content_type, "size": len(data)},
        content_type="application/json",
    )
    assert start.status_code == 200, start.content
    target = start.json()
    assert target["direct"] is False
    response = client.post(
        target["url"],
        {"upload": target["upload"], "file": SimpleUploadedFile(name, data, content_type)},
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Send a photo, let the queued job run, and return the status the page then polls."""

    def send_and_process(packet, data: bytes, **kwargs) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            assert _send(client, packet, data, **kwargs)["status"] == PacketStatus.RECEIVED
        return client.get(_url("curation:packet-upload-status", packet)).json()

    return send_and_process


def test_a_photo_is_cleaned_stored_and_waits_for_review(send, packet):
    status = send(packet, photo_with_metadata(orientation=6))
    assert status["status"] == PacketStatus.IN_REVIEW and status["finished"]
    upload = Upload.objects.get(packet=packet)
    image = upload.image
    assert (image.source, image.status, image.identity) == (
        Source.PHOTO,
        ImageStatus.PENDING,
        packet.identity,
    )
    stored = PILImage.open(io.BytesIO(storage.read_bytes(image.file.name)))
    assert stored.size == (480, 640)  # turned upright by the orientation tag
    assert not stored.getexif() and "exif" not in stored.info
    assert image.review_file.name and storage.exists(image.review_file.name)
    assert not storage.exists(upload.raw_key)
    assert image.provenance["packet"] == packet.code
    assert image.provenance["original_type"] == "image/jpeg"
    assert packet.identity.ssn in {field["value"] for field in image.fields}


def test_a_bad_file_is_refused_with_a_reason_and_a_new_photo_may_follow(send, packet):
    status = send(packet, b"<!DOCTYPE html><html><body>hi</body></html>", name="x.jpg")
    assert status["status"] == PacketStatus.REJECTED and status["can_upload"]
    assert "not a photo" in status["reason"] and status["refused_by"] == "check"
    failed = Upload.objects.get(packet=packet)
    assert failed.state == UploadState.FAILED and failed.reason_code == "not_an_image"
    assert not storage.exists(failed.raw_key)
    assert send(packet, photo_with_metadata())["status"] == PacketStatus.IN_REVIEW


def test_a_photo_rejected_in_review_may_be_sent_again(client, send, packet):
    send(packet, photo_with_metadata())
    image = Upload.objects.get(packet=packet).image
    image.status = ImageStatus.REJECTED
    image.save()
    status = client.get(_url("curation:packet-upload-status", packet)).json()
    assert status["status"] == PacketStatus.REJECTED and status["reason"] == REVIEW_REJECTION
    assert status["refused_by"] == "reviewer"
    page = client.get(_url("curation:packet-upload", packet)).content.decode()
    assert 'data-refused-by="reviewer"' in page and REVIEW_REJECTION in page, "kept on reload"
    assert send(packet, photo_with_metadata(colour=(200, 40, 40)))["status"] == "in_review"


def test_a_reviewers_reasons_reach_the_volunteer_told_apart_from_a_machine_refusal(
    client, client_as, send, packet, make_packet, volunteer, annotator
):
    """Two reviewers' reasons in the policy's order, on the phone page (after a reload
    too), on the packet's page and on "My packets"; a refused file says the check did it."""
    ReviewPolicy.objects.filter(source=Source.PHOTO).update(reviews_needed=1, gold_rate=0)
    send(packet, photo_with_metadata())
    image = Upload.objects.get(packet=packet).image
    review_services.review_claim(annotator=annotator)
    review_services.review_record(
        annotator=annotator, image_id=image.pk, decision="reject", reasons=["blurred", "illegible"]
    )
    said = "A reviewer could not use this photo: Illegible; Blurred."
    status = client.get(_url("curation:packet-upload-status", packet)).json()
    assert status["status"] == PacketStatus.REJECTED and status["refused_by"] == "reviewer"
    assert status["reason"].startswith(said) and "new photo" in status["reason"]
    page = client.get(_url("curation:packet-upload", packet)).content.decode()
    assert 'data-refused-by="reviewer"' in page and said in page, "kept on reload"

    refused = make_packet("finance", volunteer=volunteer)
    send(refused, b"<!DOCTYPE html><html><body>hi</body></html>", name="x.jpg")
    owner = client_as(volunteer)
    for url in [
        reverse("curation:packet-mine"),
        reverse("curation:packet-detail", args=[packet.code]),
    ]:
        page = owner.get(url).content.decode()
        assert "Rejected by a reviewer who looked at the photo" in page and said in page, url
    detail = owner.get(reverse("curation:packet-detail", args=[packet.code])).content.decode()
    sent = detail[detail.index("Photos sent") :]
    assert "<td>Rejected by a reviewer</td>" in sent and "Stored for review" not in sent
    mine = owner.get(reverse("curation:packet-mine")).content.decode()
    assert 'data-refused-by="check"' in mine and "automatic check of the file" in mine
    assert mine.count("Rejected by a reviewer") == 1


def test_a_maintainers_adjudication_gives_its_reasons_too(send, packet, annotator, maintainer):
    ReviewPolicy.objects.filter(source=Source.PHOTO).update(reviews_needed=1, gold_rate=0)
    send(packet, photo_with_metadata())
    upload = Upload.objects.get(packet=packet)
    case = Adjudication.objects.create(image=upload.image)
    review_services.adjudication_resolve(
        adjudication_id=case.pk, maintainer=maintainer, decision="reject", reasons=["wrong-form"]
    )
    upload.refresh_from_db()
    assert upload.reason_code == "wrong-form" and upload.reason == "Wrong form"
    packet.refresh_from_db()
    assert packet.refused_by == "reviewer" and "could not use this photo: Wrong form." in (
        packet.rejection_reason
    )


def test_no_second_photo_while_one_is_in_review(client, send, packet):
    send(packet, photo_with_metadata())
    response = client.post(
        _url("curation:packet-upload-start", packet), {}, content_type="application/json"
    )
    assert response.status_code == 409 and "in review" in response.json()["error"]


def test_an_exact_duplicate_is_refused(send, make_packet, packet):
    photo = photo_with_metadata()
    send(packet, photo)
    status = send(make_packet("finance", volunteer=packet.volunteer), photo)
    assert status["status"] == PacketStatus.REJECTED
    assert "uploaded before" in status["reason"]


def test_a_near_duplicate_is_stored_and_flagged_for_reviewers(send, make_packet, packet):
    send(packet, photo_with_metadata(quality=95))
    first = Upload.objects.get(packet=packet).image
    other = make_packet("finance", volunteer=packet.volunteer)
    assert send(other, photo_with_metadata(quality=60))["status"] == PacketStatus.IN_REVIEW
    second = Upload.objects.get(packet=other).image
    assert second.sha256 != first.sha256
    [match] = second.provenance["near_duplicates"]
    assert match["image"] == first.pk and match["distance"] <= 6


def test_the_browser_claim_of_size_is_checked_before_anything_is_sent(client, packet):
    response = client.post(
        _url("curation:packet-upload-start", packet),
        {"type": "image/jpeg", "size": TEST_MAX_BYTES + 1},
        content_type="application/json",
    )
    assert response.status_code == 409 and "limit" in response.json()["error"]
    assert not Upload.objects.exists()


def test_a_post_larger_than_the_limit_is_refused_before_it_is_stored(client, packet):
    target = client.post(
        _url("curation:packet-upload-start", packet), {}, content_type="application/json"
    ).json()
    big = SimpleUploadedFile("big.jpg", bytes(TEST_MAX_BYTES + 100_000), "image/jpeg")
    response = client.post(target["url"], {"upload": target["upload"], "file": big})
    assert response.status_code == 413
    assert "limit. Please upload a photo" in response.json()["error"]
    assert Upload.objects.get().state == UploadState.AWAITING


def test_a_signed_in_volunteer_who_uploads_claims_an_unclaimed_packet(
    client_as, volunteer, make_packet, django_capture_on_commit_callbacks
):
    packet = make_packet()
    consent.consent_record(user=volunteer)
    client = client_as(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, packet, photo_with_metadata())
    packet.refresh_from_db()
    assert packet.volunteer == volunteer


def test_upload_attempts_per_packet_are_limited(client, packet, settings):
    settings.PACKET_UPLOADS_PER_HOUR = 2
    url = _url("curation:packet-upload-start", packet)
    codes = [client.post(url, {}, content_type="application/json").status_code for _ in range(3)]
    assert codes == [200, 200, 409]


def _encoded(format_name: str) -> bytes:
    image = PILImage.linear_gradient("L").resize((400, 300)).convert("RGB")
    buffer = io.BytesIO()
    if format_name == "HEIF":
        import pillow_heif

        pillow_heif.from_pillow(image).save(buffer, quality=80)
    else:
        image.save(buffer, format_name)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("format_name", "content_type"),
    [("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")],
)
def test_phone_formats_are_accepted_and_stored_as_jpeg(send, packet, format_name, content_type):
    status = send(packet, _encoded(format_name), content_type=content_type, name="photo")
    assert status["status"] == PacketStatus.IN_REVIEW, status
    image = Upload.objects.get(packet=packet).image
    assert image.provenance["original_type"] == content_type
    assert storage.read_bytes(image.file.name)[:3] == b"\xff\xd8\xff"


def test_a_maintainer_can_queue_a_stuck_photo_again(
    client_as, maintainer, packet, django_capture_on_commit_callbacks
):
    upload = Upload.objects.create(
        packet=packet, raw_key=f"uploads/raw/{packet.code}/stuck", state=UploadState.PROCESSING
    )
    storage.replace_bytes(upload.raw_key, photo_with_metadata())
    packet.current_upload = upload
    packet.save()
    client = client_as(maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("curation:packet-reprocess", args=[packet.code]))
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.run is not None
    assert not storage.exists(upload.raw_key)
