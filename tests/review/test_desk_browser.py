"""The review desk in a real Chromium at laptop and desktop sizes, on the longest forms:
everything to compare legible and the reasons on screen without scrolling; S skips; after
a reload the next two images are claimed and fetched again (the closing page's beacon,
however late, frees none of them); the image zooms."""

import threading

import pytest

from benchmark import forms as bforms
from curation.core import services as core_services
from curation.core.models import Identity, ImageStatus
from curation.review import services
from curation.review.models import Lease, ReviewPolicy
from tests.browser import VIEWPORTS, chromium_context, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The forms with the most values and the longest labels.
LONG_FORMS = ["hiring", "verification", "finance"]
LAYOUT = r"""() => {
  const box = (el) => el.getBoundingClientRect();
  const onScreen = (r) =>
    r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  const info = box(document.getElementById('review-info'));
  const inInfo = (r) => r.top >= info.top && r.bottom <= info.bottom;
  const values = [...document.querySelectorAll('#review-info .compare dd')].map(box);
  const reasons = [...document.querySelectorAll('#review-reasons .reason')].map(box);
  const buttons = [...document.querySelectorAll('.review-actions button')].map(box);
  const stage = box(document.getElementById('review-stage'));
  // A one-word value (an email address) may break after its @ (two text nodes) but
  // never inside a word: each text node of it on one line.
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  const cut = [...document.querySelectorAll('#review-info .compare dd')]
    .filter((dd) => /^\S+$/.test(dd.textContent))
    .filter((dd) => [...dd.childNodes].some((n) => n.nodeType === 3 && lines(n) > 1))
    .map((dd) => dd.textContent);
  return {
    cutMidWord: cut,
    values: values.length,
    narrowestValue: Math.min(...values.map((r) => r.width)),
    valuesOnScreen: values.filter((r) => onScreen(r) && inInfo(r)).length,
    reasons: reasons.length,
    reasonsOnScreen: reasons.filter(onScreen).length,
    buttonsOnScreen: buttons.filter(onScreen).length,
    buttons: buttons.length,
    pageScrolls: document.scrollingElement.scrollHeight > innerHeight,
    stageWidth: stage.width,
  };
}"""


@pytest.fixture
def long_form_photos(db):
    """Pending phone photos of the longest forms, each with the values to compare."""
    ReviewPolicy.objects.update(gold_rate=0)
    core_services.identities_create_pools(memorisation=1, probe=3, seed=5)
    images = []
    for identity, scenario in zip(Identity.objects.order_by("key"), LONG_FORMS, strict=False):
        rendered = bforms.render_form(identity.data, scenario, 0)
        fields = [{"label": f.label, "value": f.value} for f in rendered.fields]
        images.append(
            core_services.image_store(
                data=rendered.to_png(),
                key=f"test/long-{scenario}.png",
                source="photo",
                scenario=scenario,
                identity=identity,
                status=ImageStatus.PENDING,
                fields=fields,
            )
        )
    return images


class HeldBeacon:
    """Holds the next closing-page beacon inside the live server (which answers each
    request in a thread of its own) until `let_through`, which returns what it did."""

    WAIT_S = 15

    def __init__(self, monkeypatch):
        self.arrived, self.go, self.done = threading.Event(), threading.Event(), threading.Event()
        self.result = {}
        release = services.lease_release

        def held_release(*, annotator, image_ids=None, desk=None):
            if image_ids is not None or self.arrived.is_set():  # a skip, or a later beacon
                return release(annotator=annotator, image_ids=image_ids, desk=desk)
            self.arrived.set()
            self.go.wait(self.WAIT_S)
            self.result = {"desk": desk, "released": release(annotator=annotator, desk=desk)}
            self.done.set()
            return self.result["released"]

        monkeypatch.setattr(services, "lease_release", held_release)

    def let_through(self) -> dict:
        assert self.arrived.wait(self.WAIT_S), "the closing page sent no beacon"
        self.go.set()
        assert self.done.wait(self.WAIT_S)
        return self.result


def showing(page, image_id: int) -> None:
    page.wait_for_selector(f'#review[data-image-id="{image_id}"]')


def preloaded(page, image_id: int) -> None:
    page.wait_for_function(
        "(path) => performance.getEntriesByType('resource').some(e => e.name.includes(path))",
        arg=f"/images/{image_id}/file",
    )


@pytest.mark.parametrize("size", ["desktop", "wide"])
def test_the_longest_forms_fit_one_screen(
    live_server, monkeypatch, annotator, long_form_photos, size
):
    with chromium_context(monkeypatch, **VIEWPORTS[size]) as context:
        sign_in(context, live_server, annotator)
        page = context.new_page()
        page.goto(f"{live_server.url}/review/")
        for image in long_form_photos:
            showing(page, image.pk)
            page.wait_for_function("() => document.getElementById('review-image').complete")
            layout = page.evaluate(LAYOUT)
            screenshot(page, f"review-{image.scenario}-{size}")
            assert layout["values"] == len(image.fields)
            assert layout["narrowestValue"] >= 120, layout
            assert layout["cutMidWord"] == [], layout
            assert layout["valuesOnScreen"] == layout["values"], layout
            assert layout["reasons"] == 5 and layout["reasonsOnScreen"] == 5, layout
            assert layout["buttonsOnScreen"] == layout["buttons"], layout
            assert not layout["pageScrolls"], layout
            assert layout["stageWidth"] >= 0.5 * VIEWPORTS[size]["viewport"]["width"], layout
            page.keyboard.press("5")  # a reason by its number key, then reject
            page.keyboard.press("r")
        page.wait_for_selector("#review-empty:not([hidden])")
        page.wait_for_function("() => document.getElementById('count-left').textContent === '0'")


def test_skip_reload_preload_and_zoom(live_server, monkeypatch, annotator, annotator2, make_image):
    ReviewPolicy.objects.update(gold_rate=0)
    ids = [make_image().pk for _ in range(5)]
    held = Lease.objects.filter(annotator=annotator, decided_at__isnull=True)
    with chromium_context(monkeypatch, **VIEWPORTS["desktop"]) as context:
        sign_in(context, live_server, annotator)
        page = context.new_page()
        page.goto(f"{live_server.url}/review/")
        showing(page, ids[0])
        preloaded(page, ids[1])
        preloaded(page, ids[2])

        # The closing page's beacon is held back in the server until the reloaded page has
        # taken its images over and preloaded them, then let through: it frees none of them.
        beacon = HeldBeacon(monkeypatch)
        old_desk = page.get_attribute("#review", "data-desk")
        page.reload()
        showing(page, ids[0])
        preloaded(page, ids[1])
        preloaded(page, ids[2])
        new_desk = page.get_attribute("#review", "data-desk")
        assert new_desk != old_desk
        assert sorted(held.filter(desk=new_desk).values_list("image_id", flat=True)) == ids[:3]
        assert beacon.let_through() == {"desk": old_desk, "released": 0}
        assert sorted(held.filter(desk=new_desk).values_list("image_id", flat=True)) == ids[:3]

        page.keyboard.press("z")
        assert "zoomed" in page.get_attribute("#review-stage", "class")
        page.mouse.move(300, 300)
        page.mouse.wheel(0, 1000)
        assert "zoomed" not in page.get_attribute("#review-stage", "class")
        page.mouse.wheel(0, -400)
        assert "zoomed" in page.get_attribute("#review-stage", "class")

        page.keyboard.press("s")
        showing(page, ids[1])
        assert "zoomed" not in page.get_attribute("#review-stage", "class")
        preloaded(page, ids[3])
        assert services.review_claim(annotator=annotator2).pk == ids[0], "others get it now"
        services.lease_release(annotator=annotator2, image_ids=[ids[0]])

        for image_id in ids[1:]:
            showing(page, image_id)
            page.keyboard.press("a")
        showing(page, ids[0])  # the skipped image comes back once the rest is done
        page.keyboard.press("a")
        page.wait_for_selector("#review-empty:not([hidden])")
        page.wait_for_function(
            "() => document.getElementById('count-mine').textContent === '5'"
            " && document.getElementById('count-left').textContent === '0'"
        )
