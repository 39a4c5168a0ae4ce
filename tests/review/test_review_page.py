"""The review page and its JSON endpoints, through the test client."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curation.core.models import ImageStatus
from curation.review import services
from curation.review.models import Decision, Lease, Review, ReviewPolicy


@pytest.fixture(autouse=True)
def _no_gold(db):
    ReviewPolicy.objects.update(gold_rate=0)


# The desk token a review page makes for itself and sends with every request.
DESK = "page-one-token"


def post_json(client, name, body, *args):
    body = {"desk": DESK, **body} if isinstance(body, dict) else body
    return client.post(
        reverse(f"curation:{name}", args=args), json.dumps(body), content_type="application/json"
    )


def first_item(client) -> dict | None:
    """Open the page, then claim as its script does."""
    page = client.get(reverse("curation:review-next"))
    assert page.status_code == 200
    items = post_json(client, "review-claim", {"count": 1})
    return (items.json()["items"] or [None])[0]


def test_the_page_shows_a_photo_with_the_identity_values_to_compare(
    client_as, annotator, identity, make_image
):
    photo = make_image(identity=identity, scenario="finance")
    client = client_as(annotator)
    response = client.get(reverse("curation:review-next"))
    assert b"review.js" in response.content
    item = first_item(client)
    assert item["id"] == photo.pk
    compared = {field["label"]: field["value"] for field in item["compare"]}
    assert compared["Name"] == "Dana Whitfield" and compared["SSN"] == "123-45-6789"
    assert item["image_url"] == reverse("curation:image-file", args=[photo.pk])
    assert [reason["code"] for reason in item["reasons"]][:2] == ["illegible", "mismatch"]


def test_the_page_shows_a_scene_with_its_prompt_and_the_review_size(
    client_as, annotator, make_image
):
    scene = make_image(
        "diffusion",
        target_type="ssn",
        provenance={"prompt": "a torn card on a desk", "cue": "broken", "scenario": "open"},
    )
    scene.review_file = scene.file.name
    scene.save(update_fields=["review_file"])
    item = first_item(client_as(annotator))
    assert item["scene"]["prompt"] == "a torn card on a desk"
    assert item["scene"]["target_type"] == "ssn" and item["scene"]["cue"] == "broken"
    assert item["image_url"].endswith("?size=review")
    assert item["compare"] == []


def test_the_page_never_shows_other_annotators_decisions(
    client_as, make_user, annotator2, make_image
):
    first_reviewer = make_user("first-reviewer-qz", "annotator")
    scene = make_image("diffusion")
    services.review_claim(annotator=first_reviewer)
    services.review_record(
        annotator=first_reviewer,
        image_id=scene.pk,
        decision=Decision.REJECT,
        reasons=["artifacts"],
        undoable=False,
    )
    client = client_as(annotator2)
    item = first_item(client)
    assert item["id"] == scene.pk
    assert "first-reviewer-qz" not in client.get(reverse("curation:review-next")).content.decode()
    assert set(item) == {
        "id", "image_url", "width", "height", "source", "source_label", "scenario",
        "target_type", "compare", "scene", "reasons", "decide_url", "skip_url", "reading",
    }  # fmt: skip


def test_deciding_through_the_endpoint_updates_the_counts(client_as, annotator, make_image):
    photos = [make_image(), make_image()]
    client = client_as(annotator)
    first = first_item(client)
    response = post_json(client, "review-decide", {"decision": "accept"}, first["id"])
    assert response.status_code == 200
    assert response.json()["progress"] == {"mine_today": 1, "left": 1, "left_more": False}
    photos[0].refresh_from_db()
    assert photos[0].status == ImageStatus.ACCEPTED


def claimed_ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_opening_the_page_holds_nothing(client_as, annotator, make_image):
    make_image()
    response = client_as(annotator).get(reverse("curation:review-next"))
    assert response.status_code == 200
    assert not Lease.objects.exists()


def test_claiming_the_next_images_in_the_background(client_as, annotator, make_image):
    first, second, third = make_image(), make_image(), make_image()
    client = client_as(annotator)
    assert claimed_ids(post_json(client, "review-claim", {"count": 2})) == [first.pk, second.pk]
    response = post_json(client, "review-claim", {"exclude": [first.pk], "count": 3})
    assert claimed_ids(response) == [second.pk, third.pk], "held images come back first"
    response = post_json(client, "review-claim", {"exclude": [first.pk, second.pk, third.pk]})
    assert claimed_ids(response) == []
    assert post_json(client, "review-claim", {"count": 9}).status_code == 400


def test_a_skipped_image_goes_to_others_and_comes_back_last(
    client_as, annotator, annotator2, make_image
):
    first, second = make_image(), make_image()
    client = client_as(annotator)
    assert claimed_ids(post_json(client, "review-claim", {})) == [first.pk]
    assert post_json(client, "review-skip", {}, first.pk).status_code == 200
    assert not Lease.objects.filter(image=first).exists()
    assert claimed_ids(post_json(client, "review-claim", {})) == [second.pk]
    assert services.review_claim(annotator=annotator2).pk == first.pk, "others get it at once"
    post_json(client, "review-decide", {"decision": "accept"}, second.pk)
    assert claimed_ids(post_json(client, "review-claim", {})) == [], "annotator2 holds it"
    services.lease_release(annotator=annotator2, image_ids=[first.pk])
    assert claimed_ids(post_json(client, "review-claim", {})) == [first.pk], "then it comes back"


def test_a_lost_lease_is_a_clear_409(client_as, annotator, make_image):
    photo = make_image()
    response = post_json(client_as(annotator), "review-decide", {"decision": "accept"}, photo.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "lease-lost"
    assert "not saved" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"decision": "reject", "reasons": "blurred"}).encode()],
)
def test_bad_input_is_a_clear_400(client_as, annotator, make_image, body):
    photo = make_image()
    client = client_as(annotator)
    first_item(client)
    response = client.post(
        reverse("curation:review-decide", args=[photo.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Review.objects.exists()


def test_a_claim_with_too_many_ids_is_a_clear_400(client_as, annotator):
    response = post_json(client_as(annotator), "review-claim", {"exclude": list(range(1, 1000))})
    assert response.status_code == 400
    assert "send at most" in response.json()["error"]


def test_undo_through_the_endpoint_returns_the_image(client_as, annotator, make_image):
    photo = make_image()
    client = client_as(annotator)
    first_item(client)
    post_json(client, "review-decide", {"decision": "reject", "reasons": ["blurred"]}, photo.pk)
    response = post_json(client, "review-undo", {})
    assert response.status_code == 200
    assert response.json()["item"]["id"] == photo.pk
    assert response.json()["progress"]["mine_today"] == 0
    assert post_json(client, "review-undo", {}).status_code == 409


def test_heartbeat_and_release(client_as, annotator, make_image):
    photo = make_image()
    client = client_as(annotator)
    first_item(client)
    response = post_json(client, "review-heartbeat", {"images": [photo.pk, 999999]})
    assert response.json()["held"] == [photo.pk]
    release = reverse("curation:review-release")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(release, {"desk": DESK})
    assert response.json() == {"released": 1}
    on_leases = [query["sql"] for query in queries if "review_lease" in query["sql"]]
    assert len(on_leases) == 1 and on_leases[0].startswith("DELETE"), on_leases
    assert not Lease.objects.exists()


def test_a_reload_takes_the_images_over_and_the_old_pages_beacon_frees_none(
    client_as, annotator, make_image
):
    first, second, third = make_image(), make_image(), make_image()
    client = client_as(annotator)
    old, new = {"desk": "old-page-token"}, {"desk": "new-page-token"}
    assert claimed_ids(post_json(client, "review-claim", {**old, "count": 2})) == [
        first.pk,
        second.pk,
    ]
    response = post_json(client, "review-claim", {**new, "count": 2})
    assert claimed_ids(response) == [first.pk, second.pk], "a reload continues where it was"
    assert set(Lease.objects.values_list("desk", flat=True)) == {"new-page-token"}

    release = reverse("curation:review-release")
    assert client.post(release, old).json() == {"released": 0}, "the old page's beacon"
    assert Lease.objects.filter(decided_at__isnull=True).count() == 2
    response = post_json(client, "review-heartbeat", {**old, "images": [first.pk, second.pk]})
    assert response.json()["held"] == []
    response = post_json(client, "review-decide", {**old, "decision": "accept"}, first.pk)
    assert response.status_code == 409 and response.json()["code"] == "lease-moved"
    response = post_json(client, "review-claim", {**old, "exclude": []})
    assert claimed_ids(response) == [third.pk], "an older page never takes images back"

    response = post_json(client, "review-decide", {**new, "decision": "accept"}, first.pk)
    assert response.status_code == 200
    assert client.post(release, new).json() == {"released": 1}, "the decided one stays for undo"
    assert list(Lease.objects.filter(decided_at__isnull=True).values_list("image", flat=True)) == [
        third.pk
    ]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("review-claim", []),
        ("review-decide", [1]),
        ("review-skip", [1]),
        ("review-undo", []),
        ("review-heartbeat", []),
        ("review-release", []),
        ("review-confirm-legible", [1]),
        ("review-override-pii", [1]),
    ],
)
@pytest.mark.parametrize("desk", [None, "", "x", "a b c d e f g h", "a" * 65])
def test_a_request_without_its_pages_desk_token_is_a_clear_400(
    client_as, annotator, make_image, name, args, desk
):
    make_image()
    client = client_as(annotator)
    post_json(client, "review-claim", {})
    body = {"decision": "accept"} if name == "review-decide" else {}
    if desk is not None:
        body["desk"] = desk
    url = reverse(f"curation:{name}", args=args)
    if name == "review-release":  # the closing page's beacon posts a form
        response = client.post(url, body)
    else:
        response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "desk token" in response.json()["error"]
    assert Lease.objects.filter(decided_at__isnull=True).count() == 1


def test_signing_out_gives_held_images_back(client_as, annotator, make_image):
    make_image()
    client = client_as(annotator)
    first_item(client)
    assert Lease.objects.exists()
    client.post(reverse("curation:logout"))
    assert not Lease.objects.exists()


def test_decisions_need_csrf(annotator, make_image):
    photo = make_image()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(annotator)
    services.review_claim(annotator=annotator)
    response = strict.post(
        reverse("curation:review-decide", args=[photo.pk]),
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Review.objects.exists()


REVIEW_ROUTES = [
    ("review-next", []),
    ("review-claim", []),
    ("review-decide", [999999]),
    ("review-skip", [999999]),
    ("review-undo", []),
    ("review-heartbeat", []),
    ("review-release", []),
]
MAINTAINER_ROUTES = [
    ("overview", []),
    ("review-adjudication", []),
    ("adjudication-resolve", [999999]),
    ("policy-list", []),
    ("review-stats", []),
    ("gold-list", []),
    ("gold-delete", [999999]),
]


@pytest.mark.parametrize(("name", "args"), REVIEW_ROUTES + MAINTAINER_ROUTES)
def test_each_page_checks_the_role_first(client, role_users, name, args):
    url = reverse(f"curation:{name}", args=args)
    allowed = {"maintainer"} | ({"annotator"} if (name, args) in REVIEW_ROUTES else set())
    assert client.get(url).status_code == 302
    for role, user in role_users.items():
        client.force_login(user)
        status = client.post(url).status_code
        assert (status == 403) == (role not in allowed), (name, role, status)
        assert status < 500, (name, role, status)


@pytest.mark.parametrize("name", ["review-claim", "review-heartbeat"])
@pytest.mark.parametrize("ids", [[2**63], [2**80], [-1], [0], [True]])
def test_ids_out_of_range_are_a_clear_400(client_as, annotator, name, ids):
    key = "exclude" if name == "review-claim" else "images"
    response = post_json(client_as(annotator), name, {key: ids})

    assert response.status_code == 400
    assert "image ids" in response.json()["error"]


def test_a_decision_on_an_id_out_of_range_is_a_clear_400(client_as, annotator):
    response = post_json(client_as(annotator), "review-decide", {"decision": "accept"}, 2**64)

    assert response.status_code == 400
    assert response.json()["error"] == "There is no image with this id."


def test_an_undo_after_a_reload_holds_the_image_for_the_new_page(client_as, annotator, make_image):
    photo = make_image()
    client = client_as(annotator)
    post_json(client, "review-claim", {"desk": "old-page-token"})
    post_json(client, "review-decide", {"desk": "old-page-token", "decision": "accept"}, photo.pk)
    response = post_json(client, "review-undo", {"desk": "new-page-token"})
    assert response.status_code == 200 and response.json()["item"]["id"] == photo.pk
    assert Lease.objects.get(image=photo).desk == "new-page-token"
    release = reverse("curation:review-release")
    assert client.post(release, {"desk": "old-page-token"}).json() == {"released": 0}
    heartbeat = post_json(
        client, "review-heartbeat", {"desk": "new-page-token", "images": [photo.pk]}
    )
    assert heartbeat.json()["held"] == [photo.pk]
