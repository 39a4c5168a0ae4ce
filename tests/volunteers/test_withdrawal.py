"""A volunteer takes photos back from My packets: one, all, or with their account. The
photo leaves review at once; its files go after the grace period, its sha256 stays."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from curation.core import storage
from curation.core.models import ImageStatus
from curation.review import services as review_services
from curation.volunteers import consent, services, tokens
from curation.volunteers.models import REVIEW_REJECTION, Upload, UploadState, Withdrawal
from tests.volunteers.helpers import photo_with_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def send_photo(client, django_capture_on_commit_callbacks):
    """Send a photo for a packet through the local upload path, cleaning job included."""

    def send(packet, colour=(40, 90, 160)) -> Upload:
        token = tokens.make_token(packet)
        start = client.post(
            reverse("curation:packet-upload-start", args=[token]),
            {"type": "image/jpeg"},
            content_type="application/json",
        ).json()
        photo = SimpleUploadedFile("p.jpg", photo_with_metadata(colour=colour), "image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(start["url"], {"upload": start["upload"], "file": photo})
        return Upload.objects.select_related("image").get(uuid=start["upload"])

    return send


@pytest.fixture
def photos(probe_identities, volunteer, send_photo) -> list[Upload]:
    """Two photos of a volunteer who agreed to the terms, waiting for review."""
    consent.consent_record(user=volunteer)
    sent = []
    for scenario, colour in (("hiring", (40, 90, 160)), ("finance", (200, 30, 30))):
        packet = services.packet_request(user=volunteer, scenario=scenario)
        sent.append(send_photo(packet, colour))
    assert all(upload.image.status == ImageStatus.PENDING for upload in sent)
    return sent


def _withdraw_one(client, upload):
    return client.post(reverse("curation:photo-withdraw", args=[upload.uuid]), follow=True)


def test_a_withdrawn_photo_leaves_the_review_queue_at_once(client_as, volunteer, annotator, photos):
    first, second = photos
    page = _withdraw_one(client_as(volunteer), first).content.decode()
    assert "The photo is withdrawn" in page
    first.image.refresh_from_db()
    assert first.image.status == ImageStatus.REJECTED
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.sha256, withdrawal.user, withdrawal.scope) == (
        first.image.sha256,
        volunteer,
        "photo",
    )
    claimed = {review_services.review_claim(annotator=annotator).pk for _ in range(3)}
    assert claimed == {second.image.pk}


def test_a_held_review_lease_ends_with_the_withdrawal(client_as, volunteer, annotator, photos):
    held = review_services.review_claim(annotator=annotator)
    upload = next(upload for upload in photos if upload.image_id == held.pk)
    _withdraw_one(client_as(volunteer), upload)
    assert review_services.review_claim(annotator=annotator).pk != held.pk


def test_my_packets_lists_my_photos_with_a_withdraw_button(client_as, volunteer, photos):
    client = client_as(volunteer)
    page = client.get(reverse("curation:packet-mine")).content.decode()
    for upload in photos:
        assert reverse("curation:photo-withdraw", args=[upload.uuid]) in page
    _withdraw_one(client, photos[0])
    page = client.get(reverse("curation:packet-mine")).content.decode()
    assert reverse("curation:photo-withdraw", args=[photos[0].uuid]) not in page


def test_nobody_withdraws_another_volunteers_photo(client_as, make_user, photos):
    other = make_user("olga", "volunteer")
    page = _withdraw_one(client_as(other), photos[0]).content.decode()
    assert "No photo of yours" in page
    assert not Withdrawal.objects.exists()


def test_withdrawing_needs_a_post(client_as, volunteer, photos):
    url = reverse("curation:photo-withdraw", args=[photos[0].uuid])
    assert client_as(volunteer).get(url).status_code == 405


def test_a_volunteer_withdraws_all_their_photos(client_as, volunteer, photos):
    client = client_as(volunteer)
    confirm = client.get(reverse("curation:photo-withdraw-all")).content.decode()
    assert "All your photos (2)" in confirm
    client.post(reverse("curation:photo-withdraw-all"))
    assert set(Withdrawal.objects.values_list("sha256", flat=True)) == {
        upload.image.sha256 for upload in photos
    }
    volunteer.refresh_from_db()
    assert volunteer.is_active


def test_withdrawing_the_account_withdraws_every_photo_and_signs_out(client_as, volunteer, photos):
    client = client_as(volunteer)
    page = client.post(reverse("curation:account-withdraw")).content.decode()
    assert "Your account is withdrawn" in page
    assert Withdrawal.objects.filter(scope="account").count() == 2
    volunteer.refresh_from_db()
    assert not volunteer.is_active
    assert client.get(reverse("curation:packet-mine")).status_code == 302


def test_files_stay_for_the_grace_period_then_only_the_sha256(
    client_as, volunteer, photos, settings
):
    settings.WITHDRAWAL_GRACE_DAYS = 7
    upload = photos[0]
    _withdraw_one(client_as(volunteer), upload)
    names = [upload.image.file.name, upload.image.review_file.name]
    call_command("delete_withdrawn_files")
    assert all(storage.object_size(name) is not None for name in names)
    Withdrawal.objects.update(withdrawn_at=timezone.now() - timedelta(days=8))
    call_command("delete_withdrawn_files")
    assert all(storage.object_size(name) is None for name in names)
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.files_deleted_at is not None and withdrawal.sha256 == upload.image.sha256
    call_command("delete_withdrawn_files")  # a second run finds nothing more to do
    other = photos[1].image
    assert storage.object_size(other.file.name) is not None


def test_maintainers_see_withdrawals_and_others_do_not(
    client_as, volunteer, maintainer, annotator, photos
):
    _withdraw_one(client_as(volunteer), photos[0])
    url = reverse("curation:withdrawal-list")
    page = client_as(maintainer).get(url).content.decode()
    assert photos[0].image.sha256 in page and volunteer.username in page
    assert client_as(volunteer).get(url).status_code == 403
    assert client_as(annotator).get(url).status_code == 403


def test_a_withdrawn_account_sends_no_more_photos(client, client_as, volunteer, photos):
    waiting = services.packet_request(user=volunteer, scenario="verification")
    token = tokens.make_token(waiting)
    start = reverse("curation:packet-upload-start", args=[token])
    sent = client.post(start, {"type": "image/jpeg"}, content_type="application/json").json()
    client_as(volunteer).post(reverse("curation:account-withdraw"))
    in_flight = Upload.objects.get(uuid=sent["upload"])
    assert in_flight.state == UploadState.FAILED and in_flight.reason_code == "withdrawn"
    again = client.post(start, {"type": "image/jpeg"}, content_type="application/json")
    assert again.status_code == 409 and "terms" in again.json()["error"]


def test_the_packet_says_the_photo_was_withdrawn_not_rejected(client_as, volunteer, photos):
    client = client_as(volunteer)
    _withdraw_one(client, photos[0])
    page = client.get(reverse("curation:packet-mine")).content.decode()
    assert "You withdrew this photo" in page
    assert REVIEW_REJECTION not in page
