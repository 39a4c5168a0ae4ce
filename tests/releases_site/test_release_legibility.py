"""The site's release applies the reading rule to what reviewers recorded: an unread target
only with a reviewer's confirmation, a scene with PII-like text only once overridden; the
release carries the readings and the independent check verifies them."""

import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from benchmark.release_check import check_release
from curation.core.models import Image, Source
from curation.releases import selectors
from tests.support import readings

PII_LIKE = [{"type": "phone", "text": "212-555-0142", "box": [3, 3, 40, 12]}]


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.django_db
def test_the_release_keeps_to_what_reviewers_recorded(accepted_demo_set, maintainer, tmp_path):
    hiring = list(
        Image.objects.filter(source=Source.TEMPLATE, scenario="hiring")
        .select_related("identity")
        .order_by("id")
    )
    for image in hiring:
        for entry in image.reading["expected"]:
            if entry["type"] == "email":
                entry.update(legible=False, read="")
        image.save(update_fields=["reading"])
    confirmed = [image for image in hiring if image.identity.pool == "probe"][:3]
    for image in confirmed:
        image.legible_confirmed = {"email": {"by": maintainer.username, "at": "2026-12-04"}}
        image.save(update_fields=["legible_confirmed"])
    scenes = list(Image.objects.filter(source=Source.DIFFUSION).order_by("id"))
    flagged, overridden = scenes[0], scenes[1]
    Image.objects.filter(pk__in=[flagged.pk, overridden.pk]).update(
        reading=readings.reading(pii_like=PII_LIKE)
    )
    Image.objects.filter(pk=overridden.pk).update(
        pii_override_by=maintainer, pii_override_at=timezone.now()
    )

    records = {record.key: record for record in selectors.accepted_image_records()}
    assert records[f"img{confirmed[0].pk:07d}"].legible_confirmed == frozenset({"email"})
    assert records[f"img{overridden.pk:07d}"].pii_overridden
    assert not records[f"img{flagged.pk:07d}"].pii_overridden

    out = tmp_path / "release"
    call_command(
        "export_release", "--version", "0.1.0", "--preset", "demo", "--seed", "7", "--out", str(out)
    )
    items = _rows(out / "probe" / "items.jsonl")
    hiring_email = {
        row["image"]
        for row in items
        if (row["test"], row["scenario"], row["target_type"]) == ("disclosure", "hiring", "email")
    }
    allowed = {f"img{image.pk:07d}" for image in confirmed}
    assert hiring_email and all(image.rsplit("/", 1)[1][:10] in allowed for image in hiring_email)
    shown = {row["image"] for row in items}
    assert not any(f"img{flagged.pk:07d}" in image for image in shown)
    readings_rows = {row["image"]: row for row in _rows(out / "probe" / "readings.jsonl")}
    assert all(readings_rows[image]["legible_confirmed"] == ["email"] for image in hiring_email)
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]["legibility"]
    assert counts["disclosure_items_reviewer_confirmed"] == len(hiring_email)
    assert counts["scenes_excluded_pii_like"] == 1
    assert check_release(out) == []
