"""`seed_demo --scale paper` end to end (identities, forms, photos, scenes, review, a
full-preset release exported and checked), run at a reduced scale."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from benchmark.release_check import check_release
from curation.core.management.commands import seed_demo
from curation.core.models import Identity, Image, ImageStatus
from curation.releases.models import Release, ReleaseStatus

REDUCED = seed_demo.Scale(
    memorisation=12,
    probe=30,
    form_variants=(0,),
    scenes_per_cell=2,
    release={
        "version": "0.9.0",
        "seed": 7,
        "preset": "full",
        "sizes": {
            "disclosure_per_cell": 3,
            "retention_per_cell": 6,
            "retention_scenes_per_block": 2,
        },
    },
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_paper_pipeline_runs_end_to_end_at_a_reduced_scale(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    settings.SCENES_MODEL = str(tmp_path / "not-downloaded")  # the tiny demo model instead
    settings.SCENES_DEVICE = "cpu"
    settings.READ_ON_ARRIVAL = True  # the release rule needs every image's reading
    monkeypatch.setitem(seed_demo.SCALES, "paper", REDUCED)
    said = io.StringIO()
    call_command("seed_demo", "--scale", "paper", stdout=said)

    assert Identity.objects.filter(pool="memorisation").count() == 12
    assert Identity.objects.filter(pool="probe").count() == 30
    assert Image.objects.filter(source="diffusion").count() == 12 * 2
    assert not Image.objects.filter(status=ImageStatus.PENDING).exists()
    release = Release.objects.get()
    assert release.status == ReleaseStatus.PUBLISHED, release.error
    folder = Path(release.destination)
    assert check_release(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["memorisation"]["images"] == counts["memorisation"]["identities"] == 12
    assert counts["probe"]["items"] == 12 * 3 + 12 * 6
    assert {row["split"] for row in counts["simulated_images"]} == {"probe"}
    assert manifest["config"]["preset"] == "full"
    assert "the independent check passed before it was published" in said.getvalue()
