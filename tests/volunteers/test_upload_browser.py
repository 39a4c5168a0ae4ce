"""A real Chromium on the phone upload page: the photo goes straight to S3 (moto over
HTTP, with the bucket's CORS rules), the site queues the cleaning job and never reads the
photo's bytes itself, and the page follows the packet's status; without the volunteer's
consent to the terms no photo goes, and the page leads to the terms and back."""

import io

import pytest
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage

from curation.core.models import ImageStatus
from curation.volunteers import consent, services, tokens
from curation.volunteers.models import Consent, PacketStatus, Upload
from tests.browser import chromium_context
from tests.s3 import use_s3
from tests.volunteers.helpers import photo_with_metadata

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_page(monkeypatch):
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    with chromium_context(monkeypatch, **phone) as context:
        yield context.new_page()


def test_a_phone_photo_goes_straight_to_s3_and_comes_out_clean(
    live_server,
    settings,
    moto_server,
    probe_identities,
    volunteer,
    read_counter,
    tmp_path,
    chromium_page,
    record_property,
):
    settings.SITE_URL = live_server.url  # the origin the bucket's CORS rules allow
    s3 = use_s3(settings, moto_server.endpoint)
    consent.consent_record(user=volunteer)
    packet = services.packet_request(user=volunteer, scenario="verification")
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(photo_with_metadata(size=(800, 600), orientation=6))
    assert PILImage.open(photo).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # GPS goes in

    requests = []
    chromium_page.on("request", lambda request: requests.append(request))
    chromium_page.goto(live_server.url + tokens.upload_path(packet))
    assert chromium_page.get_attribute("#photo-camera", "capture") == "environment"
    chromium_page.set_input_files("#photo-camera", str(photo))
    chromium_page.click("#send")
    chromium_page.wait_for_function(
        "() => document.getElementById('status-label').dataset.status === 'in_review'",
        timeout=30_000,
    )
    assert chromium_page.evaluate("() => document.getElementById('progress').value") == 100
    assert "waits for a reviewer" in chromium_page.inner_text("#status-text")
    assert chromium_page.is_hidden("#upload-form")

    # The photo's bytes went to the bucket, never to the site.
    posts = [(request.url, _body_size(request)) for request in requests if request.method == "POST"]
    to_s3 = [size for url, size in posts if url == f"{s3.endpoint}/{s3.bucket}"]
    to_site = [size for url, size in posts if url.startswith(live_server.url)]
    assert len(to_s3) == 1 and to_s3[0] > photo.stat().st_size
    assert len(to_site) == 2 and max(to_site) < 1000  # "start" and "uploaded" only
    assert read_counter.site_bytes == 0 and read_counter.site_calls == []
    record_property("site_bytes_per_upload", read_counter.site_bytes)

    upload = Upload.objects.select_related("image").get(packet=packet)
    image = upload.image
    packet.refresh_from_db()
    assert packet.status == PacketStatus.IN_REVIEW
    assert s3.keys("uploads/raw/") == []
    stored_bytes = s3.get(image.file.name)
    assert b"Exif" not in stored_bytes and b"PhoneMaker" not in stored_bytes
    stored = PILImage.open(io.BytesIO(stored_bytes))
    assert not stored.getexif() and not stored.info.get("exif")
    assert stored.size == (600, 800)  # the orientation tag applied: now upright
    # The coloured block was top-left as stored by the "camera"; turned 90 degrees
    # clockwise it is top-right.
    assert _close(stored.getpixel((590, 10)), (40, 90, 160))
    assert _close(stored.getpixel((10, 10)), (255, 255, 255))


def _close(pixel, expected, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def _body_size(request) -> int:
    """The request body's size (Playwright does not hand out multipart file bodies)."""
    return int(request.all_headers().get("content-length", 0))


def test_on_local_disk_the_same_page_sends_the_photo_to_the_site(
    live_server, probe_identities, volunteer, tmp_path, chromium_page
):
    consent.consent_record(user=volunteer)
    packet = services.packet_request(user=volunteer, scenario="finance")
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(photo_with_metadata(orientation=3))
    chromium_page.goto(live_server.url + tokens.upload_path(packet))
    chromium_page.set_input_files("#photo-gallery", str(photo))
    chromium_page.click("#send")
    chromium_page.wait_for_function(
        "() => document.getElementById('status-label').dataset.status === 'in_review'",
        timeout=30_000,
    )
    image = Upload.objects.select_related("image").get(packet=packet).image
    stored = PILImage.open(image.file.path)
    assert stored.size == (640, 480) and not stored.getexif()
    assert _close(stored.getpixel((630, 470)), (40, 90, 160))  # turned 180 degrees


def test_the_phone_flow_refuses_a_photo_until_the_volunteer_agrees(
    live_server, probe_identities, volunteer, tmp_path, chromium_page
):
    packet = services.packet_request(user=volunteer, scenario="finance")
    photo = tmp_path / "IMG_0003.jpg"
    photo.write_bytes(photo_with_metadata())
    upload_url = live_server.url + tokens.upload_path(packet)

    chromium_page.goto(upload_url)
    assert chromium_page.is_visible("#consent-needed")
    chromium_page.set_input_files("#photo-camera", str(photo))
    chromium_page.click("#send")
    chromium_page.wait_for_selector("#upload-error:not([hidden])")
    assert "agree to the volunteers' terms" in chromium_page.inner_text("#upload-error")
    assert not Upload.objects.exists()

    chromium_page.click("#consent-link")  # sign in first, then the terms
    chromium_page.fill("input[name=username]", volunteer.username)
    chromium_page.fill("input[name=password]", "pw-" + volunteer.username)
    chromium_page.click("button[type=submit].primary")
    chromium_page.wait_for_selector("#agree")
    assert "CC BY 4.0" in chromium_page.inner_text("#terms")
    assert _fits_the_screen(chromium_page)
    chromium_page.click("#agree")
    chromium_page.wait_for_url(upload_url)
    assert Consent.objects.get().user == volunteer

    assert chromium_page.locator("#consent-needed").count() == 0
    chromium_page.set_input_files("#photo-camera", str(photo))
    chromium_page.click("#send")
    chromium_page.wait_for_function(
        "() => document.getElementById('status-label').dataset.status === 'in_review'",
        timeout=30_000,
    )
    upload = Upload.objects.get(packet=packet)
    assert upload.consent.user == volunteer and upload.consent.terms_version == "1"
    packet.refresh_from_db()
    assert packet.status == PacketStatus.IN_REVIEW

    # Changed their mind: My packets takes the photo back.
    chromium_page.goto(live_server.url + reverse("curation:packet-mine"))
    chromium_page.click(".withdraw-photo")
    chromium_page.wait_for_selector(".messages .success")
    assert "withdrawn" in chromium_page.inner_text(".messages")
    assert _fits_the_screen(chromium_page)
    upload.image.refresh_from_db()
    assert upload.image.status == ImageStatus.REJECTED and upload.image.withdrawal.user == volunteer


def _fits_the_screen(page) -> bool:
    """No sideways scrolling at phone width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
