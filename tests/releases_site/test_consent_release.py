"""Releases carry the volunteers' consent and withdrawals: every photo names the terms it
was sent under, a withdrawn photo is never in a later release and each later release lists
it, and the card says how many photos were withdrawn since the previous one."""

import io
import json

import pytest
from django.core.management import call_command
from PIL import Image as PILImage

from benchmark.forms import render_form
from benchmark.release_check import check_release
from curation.core import services as core_services
from curation.core.models import Identity, Image, ImageStatus, Pool, Source
from curation.volunteers import consent
from curation.volunteers.models import Packet, Upload, UploadState
from tests.support import readings

pytestmark = pytest.mark.django_db


def _export(out, version):
    call_command(
        "export_release", "--version", version, "--preset", "demo", "--seed", "7", "--out", str(out)
    )
    return out


def _photo(identity: Identity, volunteer, *, consented: bool = True) -> Image:
    """An accepted photo of `identity`'s hiring form, sent by `volunteer` for a packet."""
    form = render_form(identity.data, "hiring", 0)
    buffer = io.BytesIO()
    PILImage.open(io.BytesIO(form.to_png())).convert("RGB").save(buffer, "JPEG", quality=80)
    packet = Packet.objects.create(identity=identity, scenario="hiring", volunteer=volunteer)
    fields = [
        {"name": f.name, "label": f.label, "value": f.value, "box": None} for f in form.fields
    ]
    image = core_services.image_store(
        data=buffer.getvalue(),
        key=f"photos/hiring/{packet.code}.jpg",
        source=Source.PHOTO,
        scenario="hiring",
        identity=identity,
        status=ImageStatus.ACCEPTED,
        fields=fields,
        reading=readings.reading_of_fields(fields),
    )
    Upload.objects.create(
        packet=packet,
        raw_key=f"uploads/raw/{packet.code}/sent",
        state=UploadState.DONE,
        image=image,
        uploaded_by=volunteer,
        consent=consent.consent_record(user=volunteer) if consented else None,
    )
    return image


@pytest.fixture
def photos(accepted_demo_set, volunteer) -> list[Image]:
    probes = Identity.objects.filter(pool=Pool.PROBE).order_by("key")[:2]
    return [_photo(identity, volunteer) for identity in probes]


def _sha256s(release) -> set[str]:
    manifest = json.loads((release / "manifest.json").read_text())
    return {entry["sha256"] for entry in manifest["files"]}


def _withdrawals(release) -> list[dict]:
    lines = (release / "withdrawals.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _card(release) -> str:
    return (release / "README.md").read_text()


def test_every_photo_in_a_release_names_its_consent_terms(photos, tmp_path):
    release = _export(tmp_path / "v1", "0.1.0")
    rows = (release / "probe" / "metadata.jsonl").read_text().splitlines()
    photo_rows = [row for row in map(json.loads, rows) if row["source"] == "photo"]
    assert {row["sha256"] for row in photo_rows} == {image.sha256 for image in photos}
    assert {row["consent_terms"] for row in photo_rows} == {"1"}
    assert "Consent terms behind the photos: version 1: 2 photos." in _card(release)
    assert check_release(release) == []


def test_a_photo_without_recorded_consent_never_reaches_a_release(
    accepted_demo_set, volunteer, tmp_path
):
    probe = Identity.objects.filter(pool=Pool.PROBE).order_by("key").first()
    unconsented = _photo(probe, volunteer, consented=False)
    release = _export(tmp_path / "v1", "0.1.0")
    assert unconsented.sha256 not in _sha256s(release)
    assert "Consent terms behind the photos: no photos." in _card(release)


def test_a_photo_withdrawn_before_a_release_is_not_in_it_and_is_listed(photos, volunteer, tmp_path):
    withdrawn, kept = photos
    consent.photo_withdraw(user=volunteer, upload_uuid=withdrawn.upload.uuid)
    release = _export(tmp_path / "v1", "0.1.0")
    assert withdrawn.sha256 not in _sha256s(release) and kept.sha256 in _sha256s(release)
    assert _withdrawals(release) == [
        {
            "sha256": withdrawn.sha256,
            "reason": consent.VOLUNTEER_REASON,
            "by": "volunteer",
            "carried": False,
        }
    ]
    assert "Images withdrawn since the previous release: 1 (1 photos withdrawn" in _card(release)
    assert check_release(release) == []


@pytest.mark.slow
def test_a_photo_withdrawn_after_a_release_leaves_every_later_one(photos, volunteer, tmp_path):
    withdrawn = photos[0]
    first = _export(tmp_path / "v1", "0.1.0")
    assert withdrawn.sha256 in _sha256s(first)
    assert "Images withdrawn since the previous release: 0" in _card(first)
    consent.photo_withdraw(user=volunteer, upload_uuid=withdrawn.upload.uuid)

    second = _export(tmp_path / "v2", "0.2.0")
    assert withdrawn.sha256 not in _sha256s(second)
    [entry] = _withdrawals(second)  # listed once, as the volunteer's withdrawal
    assert (entry["sha256"], entry["by"], entry["carried"]) == (
        withdrawn.sha256,
        "volunteer",
        False,
    )
    assert "Images withdrawn since the previous release: 1 (1 photos withdrawn" in _card(second)

    third = _export(tmp_path / "v3", "0.3.0")
    assert withdrawn.sha256 not in _sha256s(third)
    assert [(e["sha256"], e["carried"]) for e in _withdrawals(third)] == [(withdrawn.sha256, True)]
    assert "Images withdrawn since the previous release: 0" in _card(third)
    assert check_release(second) == [] and check_release(third) == []
    # The files alone prove it: v1 holds the photo; given v2's withdrawals, it fails.
    (first / "withdrawals.jsonl").write_bytes((second / "withdrawals.jsonl").read_bytes())
    problems = check_release(first)
    assert any(p.startswith("withdrawn image:") and withdrawn.sha256 in p for p in problems)
