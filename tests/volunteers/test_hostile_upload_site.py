"""The photo that held a worker for half a minute: through the site's upload and cleaning
job it is refused up front, with a reason, and nothing of it is kept."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curation.core import storage
from curation.volunteers import tokens
from curation.volunteers.models import PacketStatus, Upload, UploadState
from tests.support.hostile_photos import many_scans_jpeg


def _url(name: str, packet) -> str:
    return reverse(name, kwargs={"token": tokens.make_token(packet)})


def test_a_jpeg_of_100000_scans_sent_through_the_site_is_refused_up_front(
    client, packet, settings, django_capture_on_commit_callbacks
):
    settings.PHOTO_MAX_BYTES = 25_000_000
    data = many_scans_jpeg()  # 1.6 MB; about 32 s of CPU to decode before the fix
    start = client.post(
        _url("curation:packet-upload-start", packet),
        {"type": "image/jpeg", "size": len(data)},
        content_type="application/json",
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            start["url"],
            {"upload": start["upload"], "file": SimpleUploadedFile("p.jpg", data, "image/jpeg")},
        )

    status = client.get(_url("curation:packet-upload-status", packet)).json()
    assert status["status"] == PacketStatus.REJECTED and status["can_upload"]
    assert "100010 passes" in status["reason"]
    upload = Upload.objects.get(packet=packet)
    assert (upload.state, upload.reason_code) == (UploadState.FAILED, "too_many_scans")
    assert not storage.exists(upload.raw_key)
