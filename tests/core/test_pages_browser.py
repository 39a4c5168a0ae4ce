"""Every page in each role's navigation, the phone upload page, sign-in and the error
pages, in a real Chromium at 1366x768 and at iPhone 13 size: axe-core finds no serious
or critical WCAG 2 A/AA violation, and a full-page screenshot of each lands in
var/screenshots/ to look at. The figures go to var/screenshots/axe.json."""

import json

import pytest
from django.urls import reverse

from benchmark import forms as bforms
from curation.core import services as core_services
from curation.core.models import Identity, Image, ImageStatus, JobRun
from curation.volunteers import services as volunteer_services
from curation.volunteers import tokens
from tests.browser import (
    SCREENSHOTS,
    VIEWPORTS,
    axe_violations,
    chromium_context,
    screenshot,
    serious,
    sign_in,
    with_axe,
)
from tests.review.conftest import tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_data(maintainer, annotator, volunteer):
    """A little of everything: identities, a template form, a pending photo, a packet."""
    core_services.identities_create_pools(memorisation=2, probe=4, seed=3)
    identity = Identity.objects.filter(pool="probe").order_by("key").first()
    template = core_services.render_template_form(identity, "hiring", 0)
    rendered = bforms.render_form(identity.data, "hiring", 0)
    core_services.image_store(
        data=rendered.to_png(),
        key="test/pages-photo.png",
        source="photo",
        scenario="hiring",
        identity=identity,
        status=ImageStatus.PENDING,
        fields=template.fields,
    )
    packet = volunteer_services.packet_request(user=volunteer, scenario="hiring")
    run = JobRun.objects.create(
        kind="render",
        title="Render hiring forms (probe)",
        function="curation.core.tasks.render_forms",
        params={"scenarios": ["hiring"], "pool": "probe", "variants": [0]},
        status="running",
        done=3,
        total=8,
        result={"rendered": 3, "by_scenario": {"hiring": 3}},
        created_by=maintainer,
    )
    return {"image": template, "packet": packet, "run": run}


def nav_paths(page) -> list[str]:
    return page.eval_on_selector_all(
        "nav[aria-label=Main] a", "links => links.map(a => new URL(a.href).pathname)"
    )


def check(page, url: str, name: str, found: dict) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    found[name] = violations
    screenshot(page, name)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_passes_axe(
    live_server, monkeypatch, site_data, maintainer, annotator, volunteer, size
):
    found: dict[str, list] = {}
    base = live_server.url
    extra = {
        "maintainer": [
            reverse("curation:image-detail", args=[site_data["image"].pk]),
            reverse("curation:run-detail", args=[site_data["run"].pk]),
            reverse("curation:packet-detail", args=[site_data["packet"].code]),
            reverse("curation:scene-run-new"),
            reverse("curation:policy-list"),
            reverse("curation:review-stats"),
            reverse("curation:gold-list"),
            "/no-such-page/",
        ],
        "annotator": [reverse("curation:overview")],  # a 403 page
        "volunteer": [],
    }
    users = {"maintainer": maintainer, "annotator": annotator, "volunteer": volunteer}
    for role, user in users.items():
        with chromium_context(monkeypatch, **VIEWPORTS[size]) as context:
            with_axe(context)
            sign_in(context, live_server, user)
            page = context.new_page()
            page.goto(f"{base}/")
            paths = nav_paths(page)
            assert paths, role
            for path in paths + extra[role]:
                name = f"{role}{path.replace('/', '_').rstrip('_')}-{size}"
                check(page, base + path, name, found)
    with chromium_context(monkeypatch, **VIEWPORTS[size]) as context:
        with_axe(context)
        page = context.new_page()
        check(page, base + reverse("curation:login"), f"anonymous_login-{size}", found)
        phone = tokens.upload_path(site_data["packet"])
        check(page, base + phone, f"anonymous_phone-upload-{size}", found)
        photo = {"name": "form.png", "mimeType": "image/png", "buffer": tiny_png()}
        page.set_input_files("#photo-gallery", files=[photo])
        page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
        assert page.is_visible("#preview") and page.is_enabled("#send")
        assert "form.png" in page.inner_text("#preview-box")
        found[f"anonymous_phone-preview-{size}"] = axe_violations(page)
        screenshot(page, f"anonymous_phone-preview-{size}")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"axe-{size}.json").write_text(json.dumps(found, indent=1))
    bad = {name: serious(violations) for name, violations in found.items() if serious(violations)}
    assert not bad, json.dumps(bad, indent=1)
    assert Image.objects.exists()
