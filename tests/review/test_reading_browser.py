"""The machine reading on the desk, in a real Chromium at laptop, desktop and phone sizes: the
hint beside the values (read / not read, what was read), L confirms a value legible, the
key help lists it; on a scene the PII-like text is boxed on the image where it is painted,
scaled with the image, and P overrides the flag. axe-core finds nothing."""

import io

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from benchmark import forms as bforms
from curation.core import services as core_services
from curation.core.models import Identity, Image, ImageStatus
from curation.core.services import image_store
from curation.review.models import ReviewPolicy
from tests.browser import VIEWPORTS, axe_violations, chromium_context, screenshot, sign_in, with_axe
from tests.support import readings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAINTED = "Call 212-555-0142"


def _png(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _misread(email: str) -> str:
    return email.replace("o", "0").replace("l", "1").split(".")[0]


@pytest.fixture
def photo_and_scene(db):
    """A pending photo of a hiring form whose email the machine misread, and a pending
    scene with a phone number painted on it, found by the reading."""
    ReviewPolicy.objects.update(gold_rate=0)
    core_services.identities_create_pools(memorisation=1, probe=1, seed=5)
    identity = Identity.objects.get(pool="probe")
    rendered = bforms.render_form(identity.data, "hiring", 0)
    fields = [{"name": f.name, "label": f.label, "value": f.value} for f in rendered.fields]
    reading = readings.reading_of_fields(fields)
    for entry in reading["expected"]:
        if entry["type"] == "email":
            entry.update(legible=False, read=_misread(entry["value"]), confidence=0.4)
    photo = image_store(
        data=rendered.to_png(),
        key="test/reading-photo.png",
        source="photo",
        scenario="hiring",
        identity=identity,
        status=ImageStatus.PENDING,
        fields=fields,
        reading=reading,
        reading_doubtful=True,
    )
    picture = PILImage.new("RGB", (768, 768), (70, 110, 150))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=40)
    box = list(draw.textbbox((300, 520), PAINTED, font=font))
    draw.text((300, 520), PAINTED, font=font, fill=(250, 250, 250))
    scene = image_store(
        data=_png(picture),
        key="test/reading-scene.png",
        source="diffusion",
        scenario="open",
        target_type="phone",
        status=ImageStatus.PENDING,
        provenance={"prompt": "a phone on a desk showing a call"},
        reading=readings.reading(pii_like=[{"type": "phone", "text": "212-555-0142", "box": box}]),
        reading_doubtful=True,
    )
    return photo, scene, box


BOX_PLACEMENT = """() => {
  const drawn = document.querySelector('#reading-boxes .reading-box').getBoundingClientRect();
  // What paints topmost there (the layer ignores the pointer: let it be hit for a moment).
  const layer = document.getElementById('reading-boxes');
  layer.style.pointerEvents = 'auto';
  const onTop = document.elementFromPoint(drawn.left + 1, drawn.top + 1);
  layer.style.pointerEvents = '';
  const image = document.getElementById('review-image').getBoundingClientRect();
  const mark = document.querySelector('#reading-boxes .reading-box').getBoundingClientRect();
  const scale = image.width / document.getElementById('review-image').naturalWidth;
  return {x0: (mark.left - image.left) / scale, y0: (mark.top - image.top) / scale,
          x1: (mark.right - image.left) / scale, y1: (mark.bottom - image.top) / scale,
          onTop: onTop === layer || layer.contains(onTop)};
}"""


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_desk_shows_the_reading_and_takes_the_reviewers_word(
    live_server, monkeypatch, make_user, photo_and_scene, size
):
    photo, scene, painted_box = photo_and_scene
    annotator = make_user(f"reader-{size}", "annotator")
    with chromium_context(monkeypatch, **VIEWPORTS[size]) as context:
        with_axe(context)
        sign_in(context, live_server, annotator)
        page = context.new_page()
        page.goto(f"{live_server.url}/review/")
        page.wait_for_selector(f'#review[data-image-id="{photo.pk}"]')
        hint = page.inner_text("#reading-hint")
        assert "not read" in page.inner_text('#reading-hint li[data-target="email"]')
        assert _misread(photo.identity.email) in hint
        assert "read" in page.inner_text('#reading-hint li[data-target="ssn"]')
        assert page.is_visible('#reading-hint [data-confirm="email"]')
        marks = page.eval_on_selector_all(
            "#review-info .compare [data-reading]", "rows => rows.map(r => r.dataset.reading)"
        )
        assert sorted(marks) == ["read", "read", "unread"]
        screenshot(page, f"review-reading-form-{size}")
        assert axe_violations(page) == []

        page.keyboard.press("?")
        assert "Confirm legible" in page.inner_text("#review-help")
        page.keyboard.press("Escape")
        page.keyboard.press("l")
        page.wait_for_selector('#reading-hint li[data-target="email"] >> text=confirmed')
        photo.refresh_from_db()
        assert set(photo.legible_confirmed) == {"email"}
        assert photo.legible_confirmed["email"]["by"] == annotator.username
        assert not photo.reading_doubtful

        page.keyboard.press("a")
        page.wait_for_selector(f'#review[data-image-id="{scene.pk}"]')
        page.wait_for_function("() => document.getElementById('review-image').complete")
        page.wait_for_selector("#reading-boxes .reading-box")
        placed = page.evaluate(BOX_PLACEMENT)
        assert placed["onTop"], "the box is drawn over the image, not under it"
        for got, want in zip(
            (placed["x0"], placed["y0"], placed["x1"], placed["y1"]), painted_box, strict=True
        ):
            assert abs(got - want) <= 3, (placed, painted_box)
        assert "212-555-0142" in page.inner_text("#reading-hint")
        screenshot(page, f"review-reading-scene-{size}")
        assert axe_violations(page) == []

        page.keyboard.press("p")
        page.wait_for_selector("#reading-hint >> text=Flag overridden")
        scene.refresh_from_db()
        assert scene.pii_override_by == annotator and scene.pii_overridden
        assert Image.objects.get(pk=scene.pk).status == ImageStatus.PENDING  # a hint, no decision
