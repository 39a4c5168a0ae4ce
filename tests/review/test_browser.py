"""A real Chromium on the review page: sign in, decide three images by keyboard, undo one,
watch the counters follow, and find every decision in the database."""

import time

import pytest

from curation.core.models import Image, ImageStatus
from curation.review.models import Lease, Review
from tests.browser import chromium_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch):
    with chromium_context(monkeypatch, viewport={"width": 1280, "height": 800}) as context:
        yield context.new_page()


def showing(page, image_id: int, mine: int, left: int) -> None:
    """Wait until the page shows this image and these counters."""
    page.wait_for_selector(f'#review[data-image-id="{image_id}"]')
    page.wait_for_function(
        "([mine, left]) => document.getElementById('count-mine').textContent === mine"
        " && document.getElementById('count-left').textContent === left",
        arg=[str(mine), str(left)],
    )


def preloaded(page, image_id: int) -> None:
    """Wait until the browser has fetched this image's file in the background."""
    page.wait_for_function(
        "(path) => performance.getEntriesByType('resource').some(e => e.name.includes(path))",
        arg=f"/images/{image_id}/file",
    )


def test_an_annotator_reviews_by_keyboard_and_undoes(
    live_server, page, make_user, identity, make_image
):
    annotator = make_user("kbd-annotator", "annotator")
    images = [make_image(identity=identity) for _ in range(4)]
    ids = [image.pk for image in images]

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "kbd-annotator")
    page.fill("input[name=password]", "pw-kbd-annotator")
    page.click("button[type=submit]")
    page.wait_for_url("**/review/")
    showing(page, ids[0], mine=0, left=4)
    assert "Dana Whitfield" in page.inner_text("#review-info")

    page.keyboard.press("?")
    assert page.is_visible("#review-help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#review-help")

    preloaded(page, ids[1])
    page.keyboard.press("a")
    showing(page, ids[1], mine=1, left=3)

    preloaded(page, ids[2])
    page.keyboard.press("r")  # no reason picked yet: nothing is sent
    assert "Pick a reason first" in page.inner_text("#review-message")
    page.keyboard.press("1")
    assert page.get_attribute('[data-reason="0"]', "aria-pressed") == "true"
    page.keyboard.press("r")
    showing(page, ids[2], mine=2, left=2)

    preloaded(page, ids[3])
    page.keyboard.press("a")
    showing(page, ids[3], mine=3, left=1)

    page.keyboard.press("u")
    showing(page, ids[2], mine=2, left=2)
    assert "Undone" in page.inner_text("#review-message")

    statuses = {image.pk: image.status for image in Image.objects.filter(pk__in=ids)}
    assert statuses == {
        ids[0]: ImageStatus.ACCEPTED,
        ids[1]: ImageStatus.REJECTED,
        ids[2]: ImageStatus.PENDING,
        ids[3]: ImageStatus.PENDING,
    }
    decisions = list(Review.objects.order_by("id").values_list("image", "decision", "reasons"))
    assert decisions == [(ids[0], "accept", []), (ids[1], "reject", ["illegible"])]
    held = Lease.objects.filter(annotator=annotator, decided_at__isnull=True)
    assert set(held.values_list("image", flat=True)) == {ids[2], ids[3]}

    # Leaving the page hands the undecided images back to the queue at once.
    page.goto("about:blank")
    waited_until = time.monotonic() + 15
    while held.exists() and time.monotonic() < waited_until:
        time.sleep(0.1)
    assert not held.exists()
