"""Consent to the volunteers' terms: asked once per terms version, recorded, and required by
the server before any photo is accepted, on local disk and on S3 alike."""

import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curation.volunteers import consent, services, tokens
from curation.volunteers.models import Consent, Upload
from tests.volunteers.helpers import photo_with_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms_v2(settings, tmp_path):
    """A second terms version, written where a maintainer would add it, and made current."""
    folder = tmp_path / "templates" / "curation" / "volunteers" / "terms"
    folder.mkdir(parents=True)
    (folder / "2.html").write_text("<p>Terms two: photos are now also used for OCR tests.</p>")
    engine = {
        **settings.TEMPLATES[0],
        "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]],
    }
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    settings.CONSENT_TERMS_VERSION = "2"
    return "2"


@pytest.fixture
def own_packet(probe_identities, volunteer):
    """A packet of a volunteer who has not agreed to anything yet."""
    return services.packet_request(user=volunteer, scenario="hiring")


def _start(client, packet):
    return client.post(
        reverse("curation:packet-upload-start", args=[tokens.make_token(packet)]),
        {"type": "image/jpeg", "size": 1000},
        content_type="application/json",
    )


def test_the_terms_page_says_what_a_volunteer_agrees_to(client_as, volunteer):
    page = client_as(volunteer).get(reverse("curation:consent-terms")).content.decode()
    for promise in ("CC BY 4.0", "What is published", "synthetic", "How to withdraw"):
        assert promise in page
    assert 'id="agree"' in page


def test_agreeing_records_who_agreed_to_which_version_and_when(client_as, volunteer):
    upload_page = "/u/some-token/"
    response = client_as(volunteer).post(reverse("curation:consent-terms"), {"next": upload_page})
    assert response.status_code == 302 and response["Location"] == upload_page
    agreed = Consent.objects.get()
    assert (agreed.user, agreed.terms_version) == (volunteer, "1")
    assert agreed.agreed_at is not None
    page = client_as(volunteer).get(reverse("curation:consent-terms")).content.decode()
    assert 'id="terms-agreed"' in page and 'id="agree"' not in page


def test_agreeing_never_sends_the_volunteer_to_another_site(client_as, volunteer):
    response = client_as(volunteer).post(
        reverse("curation:consent-terms"), {"next": "https://evil.example/phish"}
    )
    assert response["Location"] == reverse("curation:packet-mine")


def test_agreeing_twice_records_one_consent(client_as, volunteer):
    client = client_as(volunteer)
    client.post(reverse("curation:consent-terms"))
    client.post(reverse("curation:consent-terms"))
    assert Consent.objects.count() == 1


def test_only_volunteers_and_maintainers_see_the_terms_page(client, client_as, annotator):
    assert client.get(reverse("curation:consent-terms")).status_code == 302
    assert client_as(annotator).get(reverse("curation:consent-terms")).status_code == 403


def test_no_upload_starts_without_consent_on_local_disk(client, own_packet):
    response = _start(client, own_packet)
    assert response.status_code == 409
    assert "agree to the volunteers' terms" in response.json()["error"]
    assert not Upload.objects.exists()


def test_no_upload_starts_without_consent_on_s3(client, s3, own_packet):
    response = _start(client, own_packet)
    assert response.status_code == 409
    assert not Upload.objects.exists()
    assert s3.keys("uploads/raw/") == []


def test_the_upload_records_the_consent_it_was_sent_under(client, own_packet, volunteer):
    agreed = consent.consent_record(user=volunteer)
    assert _start(client, own_packet).status_code == 200
    assert Upload.objects.get().consent == agreed


def test_new_terms_ask_again_before_the_next_upload(client, client_as, own_packet, terms_v2):
    volunteer = own_packet.volunteer
    Consent.objects.create(user=volunteer, terms_version="1")  # agreed to version 1 only
    assert _start(client, own_packet).status_code == 409
    terms = client_as(volunteer).get(reverse("curation:consent-terms")).content.decode()
    assert "Terms two" in terms and 'id="agree"' in terms
    client_as(volunteer).post(reverse("curation:consent-terms"))
    assert _start(client, own_packet).status_code == 200
    assert Upload.objects.get().consent.terms_version == terms_v2


def test_an_upload_started_under_old_terms_cannot_finish_under_new_ones(
    client, s3, own_packet, settings, terms_v2
):
    settings.CONSENT_TERMS_VERSION = "1"
    consent.consent_record(user=own_packet.volunteer)
    key = _start(client, own_packet).json()["key"]
    settings.CONSENT_TERMS_VERSION = terms_v2
    done = client.post(
        reverse("curation:packet-upload-done", args=[tokens.make_token(own_packet)]),
        {"key": key},
        content_type="application/json",
    )
    assert done.status_code == 409 and "terms" in done.json()["error"]
    own_packet.refresh_from_db()
    assert own_packet.current_upload is None


def test_the_local_file_post_is_refused_under_new_terms(client, own_packet, settings, terms_v2):
    settings.CONSENT_TERMS_VERSION = "1"
    consent.consent_record(user=own_packet.volunteer)
    start = _start(client, own_packet).json()
    settings.CONSENT_TERMS_VERSION = terms_v2
    photo = SimpleUploadedFile("a.jpg", photo_with_metadata(), "image/jpeg")
    posted = client.post(start["url"], {"upload": start["upload"], "file": photo})
    assert posted.status_code == 409 and "terms" in posted.json()["error"]
    own_packet.refresh_from_db()
    assert own_packet.current_upload is None and Upload.objects.get().image is None


def test_an_unowned_packet_takes_the_signed_in_senders_consent(
    client, client_as, make_packet, volunteer
):
    packet = make_packet()
    assert _start(client, packet).status_code == 409  # anonymous: nobody consented
    client = client_as(volunteer)
    assert _start(client, packet).status_code == 409  # signed in, not agreed
    consent.consent_record(user=volunteer)
    assert _start(client, packet).status_code == 200


def test_the_upload_page_says_what_to_do_without_consent(client, own_packet):
    url = tokens.upload_path(own_packet)
    page = client.get(url).content.decode()
    assert 'id="consent-needed"' in page and reverse("curation:consent-terms") in page
    consent.consent_record(user=own_packet.volunteer)
    assert 'id="consent-needed"' not in client.get(url).content.decode()


def test_my_packets_links_the_terms_until_the_volunteer_agrees(client_as, volunteer):
    client = client_as(volunteer)
    assert 'id="consent-link"' in client.get(reverse("curation:packet-mine")).content.decode()
    consent.consent_record(user=volunteer)
    page = client.get(reverse("curation:packet-mine")).content.decode()
    assert 'id="consent-link"' not in page and "version 1" in page


def test_a_terms_version_without_its_template_stops_start_up(settings):
    settings.CONSENT_TERMS_VERSION = "9"
    errors = [message.id for message in checks.run_checks()]
    assert "volunteers.E002" in errors
    settings.CONSENT_TERMS_VERSION = "../1"
    assert "volunteers.E001" in [message.id for message in checks.run_checks()]
