"""The machine reading on the desk's endpoints: the hint comes with each item, a reviewer
confirms a target legible or overrides a scene's PII flag only on an image their page holds,
and the queue can serve doubtful readings first."""

import pytest

from curation.core.models import Image
from curation.review.models import ReviewPolicy
from tests.review.test_review_page import first_item, post_json
from tests.support import readings

PII_LIKE = [{"type": "email", "text": "jo@example.com", "box": [1, 1, 6, 4]}]


@pytest.fixture(autouse=True)
def _no_gold(db):
    ReviewPolicy.objects.update(gold_rate=0)


@pytest.fixture
def misread_photo(make_image, identity):
    """A pending photo whose email the machine did not read (its phone and SSN it did)."""
    reading = readings.reading([("phone", identity.phone), ("ssn", identity.ssn)])
    reading["expected"] += readings.reading([("email", identity.email)], legible=False)["expected"]
    return make_image(identity=identity, reading=reading, reading_doubtful=True)


def test_the_item_carries_the_reading_hint(client_as, annotator, misread_photo, identity):
    item = first_item(client_as(annotator))
    hint = item["reading"]
    assert hint["state"] == "read" and hint["doubtful"]
    by_type = {target["type"]: target for target in hint["targets"]}
    assert by_type["email"]["legible"] is False and by_type["email"]["value"] == identity.email
    assert by_type["phone"]["legible"] and not by_type["email"]["confirmed"]
    assert (hint["width"], hint["height"]) == (misread_photo.width, misread_photo.height)


def test_the_holder_confirms_a_target_legible(client_as, annotator, misread_photo):
    client = client_as(annotator)
    first_item(client)
    response = post_json(
        client, "review-confirm-legible", {"target_type": "email"}, misread_photo.pk
    )
    assert response.status_code == 200
    email = next(t for t in response.json()["reading"]["targets"] if t["type"] == "email")
    assert email["confirmed"] and not response.json()["reading"]["doubtful"]
    misread_photo.refresh_from_db()
    assert misread_photo.legible_confirmed["email"]["by"] == annotator.username
    assert not misread_photo.reading_doubtful


def test_only_the_page_holding_the_image_may_confirm(
    client_as, annotator, annotator2, misread_photo
):
    first_item(client_as(annotator))
    other = client_as(annotator2)
    response = post_json(
        other, "review-confirm-legible", {"target_type": "email"}, misread_photo.pk
    )
    assert response.status_code == 409 and response.json()["code"] == "lease-lost"
    assert Image.objects.get(pk=misread_photo.pk).legible_confirmed == {}


def test_a_target_the_image_does_not_show_is_refused(client_as, annotator, make_image):
    scene = make_image("diffusion", reading=readings.reading())
    client = client_as(annotator)
    first_item(client)
    response = post_json(client, "review-confirm-legible", {"target_type": "email"}, scene.pk)
    assert response.status_code == 400 and "no email" in response.json()["error"]
    response = post_json(client, "review-confirm-legible", {"target_type": "name"}, scene.pk)
    assert response.status_code == 400


def test_the_holder_overrides_a_scenes_pii_flag(client_as, annotator, make_image):
    scene = make_image(
        "diffusion", reading=readings.reading(pii_like=PII_LIKE), reading_doubtful=True
    )
    client = client_as(annotator)
    assert first_item(client)["reading"]["pii_like"] == PII_LIKE
    response = post_json(client, "review-override-pii", {}, scene.pk)
    assert response.status_code == 200 and response.json()["reading"]["pii_overridden"]
    scene.refresh_from_db()
    assert scene.pii_override_by == annotator and not scene.reading_doubtful


def test_a_form_has_no_pii_flag_to_override(client_as, annotator, misread_photo):
    client = client_as(annotator)
    first_item(client)
    response = post_json(client, "review-override-pii", {}, misread_photo.pk)
    assert response.status_code == 400
    assert Image.objects.get(pk=misread_photo.pk).pii_override_at is None


def test_a_volunteer_may_not_confirm(client_as, make_user, misread_photo):
    volunteer = make_user("vera", "volunteer")
    response = post_json(
        client_as(volunteer), "review-confirm-legible", {"target_type": "email"}, misread_photo.pk
    )
    assert response.status_code == 403


@pytest.mark.parametrize("doubtful_first", [False, True])
def test_the_queue_can_serve_doubtful_readings_first(
    client_as, annotator, make_image, misread_photo, doubtful_first
):
    Image.objects.filter(pk=misread_photo.pk).update(reading_doubtful=False)
    clear = Image.objects.get(pk=misread_photo.pk)
    doubtful = make_image(reading=readings.reading(pii_like=PII_LIKE), reading_doubtful=True)
    client = client_as(annotator)
    response = post_json(client, "review-claim", {"count": 1, "doubtful_first": doubtful_first})
    first = response.json()["items"][0]["id"]
    assert first == (doubtful.pk if doubtful_first else clear.pk)
