"""A real Chromium at phone size: a volunteer who has not agreed to the terms cannot send a
photo; the page sends them to the terms (via sign-in) and back, and then the photo goes."""

import pytest

from curation.volunteers import services, tokens
from curation.volunteers.models import Consent, PacketStatus, Upload
from tests.browser import chromium_context
from tests.volunteers.helpers import photo_with_metadata

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_page(monkeypatch):
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    with chromium_context(monkeypatch, **phone) as context:
        yield context.new_page()


def test_the_phone_flow_refuses_a_photo_until_the_volunteer_agrees(
    live_server, probe_identities, volunteer, tmp_path, phone_page
):
    packet = services.packet_request(user=volunteer, scenario="finance")
    photo = tmp_path / "IMG_0003.jpg"
    photo.write_bytes(photo_with_metadata())
    upload_url = live_server.url + tokens.upload_path(packet)

    phone_page.goto(upload_url)
    assert phone_page.is_visible("#consent-needed")
    phone_page.set_input_files("#photo-camera", str(photo))
    phone_page.click("#send")
    phone_page.wait_for_selector("#upload-error:not([hidden])")
    assert "agree to the volunteers' terms" in phone_page.inner_text("#upload-error")
    assert not Upload.objects.exists()

    phone_page.click("#consent-link")  # sign in first, then the terms
    phone_page.fill("input[name=username]", volunteer.username)
    phone_page.fill("input[name=password]", "pw-" + volunteer.username)
    phone_page.click("button[type=submit].primary")
    phone_page.wait_for_selector("#agree")
    assert "CC BY 4.0" in phone_page.inner_text("#terms")
    assert _fits_the_screen(phone_page)
    phone_page.click("#agree")
    phone_page.wait_for_url(upload_url)
    assert Consent.objects.get().user == volunteer

    assert phone_page.locator("#consent-needed").count() == 0
    phone_page.set_input_files("#photo-camera", str(photo))
    phone_page.click("#send")
    phone_page.wait_for_function(
        "document.getElementById('status-label').dataset.status === 'in_review'", timeout=30_000
    )
    upload = Upload.objects.get(packet=packet)
    assert upload.consent.user == volunteer and upload.consent.terms_version == "1"
    packet.refresh_from_db()
    assert packet.status == PacketStatus.IN_REVIEW


def _fits_the_screen(page) -> bool:
    """No sideways scrolling at phone width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
