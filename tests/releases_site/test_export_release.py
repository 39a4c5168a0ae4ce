import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from benchmark.release_check import check_release
from curation.core.models import Identity, Image, ImageStatus, JobRun, RunStatus
from curation.releases.models import Release, ReleaseStatus


def _export(out, version="0.1.0", **extra):
    call_command(
        "export_release",
        "--version",
        version,
        "--preset",
        "demo",
        "--seed",
        "7",
        "--out",
        str(out),
        *extra.get("args", []),
    )
    return hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()


@pytest.mark.django_db
def test_export_twice_gives_the_same_manifest(accepted_demo_set, tmp_path):
    first = _export(tmp_path / "a")
    second = _export(tmp_path / "b")
    assert first == second
    assert check_release(tmp_path / "a") == []
    release = Release.objects.get(destination=str((tmp_path / "a").resolve()))
    assert release.status == ReleaseStatus.PUBLISHED and release.manifest_sha256 == first
    assert release.run is not None and release.run.status == RunStatus.SUCCEEDED
    assert release.members.count() > 0
    items = (tmp_path / "a" / "probe" / "items.jsonl").read_text().splitlines()
    assert {json.loads(line)["framing"] for line in items} == {
        "direct",
        "vqa",
        "captioning",
        "rephrasing",
        "classification",
    }


@pytest.mark.django_db
def test_running_the_same_export_again_finds_it_published(accepted_demo_set, tmp_path):
    first = _export(tmp_path / "r")
    assert _export(tmp_path / "r") == first
    assert Release.objects.count() == 1


@pytest.mark.django_db
def test_a_short_release_names_the_short_cells(accepted_demo_set, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "export_release",
            "--version",
            "1.0.0",
            "--preset",
            "full",
            "--seed",
            "7",
            "--allow-simulated",
            "--out",
            str(tmp_path / "full"),
        )
    assert "disclosure/hiring/email" in str(error.value)
    assert not (tmp_path / "full").exists()
    assert Release.objects.get().status == ReleaseStatus.FAILED


@pytest.mark.django_db
def test_a_failed_export_does_not_use_up_its_version(accepted_demo_set, tmp_path):
    out = tmp_path / "release"
    with pytest.raises(CommandError):
        call_command(
            "export_release", "--version", "1.0.0", "--preset", "full", "--seed", "7",
            "--allow-simulated", "--out", str(out),
        )  # fmt: skip
    assert Release.objects.get().status == ReleaseStatus.FAILED
    manifest_sha256 = _export(out, version="1.0.0")
    release = Release.objects.get()
    assert (release.status, release.preset) == (ReleaseStatus.PUBLISHED, "demo")
    assert release.manifest_sha256 == manifest_sha256


@pytest.mark.django_db
def test_simulated_images_need_permission_outside_the_demo(accepted_demo_set, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "export_release",
            "--version",
            "0.2.0",
            "--seed",
            "7",
            "--disclosure-per-cell",
            "2",
            "--retention-per-cell",
            "4",
            "--retention-scenes-per-block",
            "1",
            "--out",
            str(tmp_path / "real"),
        )
    assert "simulated" in str(error.value)


@pytest.mark.django_db
def test_a_withdrawn_image_is_listed_in_the_next_version(accepted_demo_set, tmp_path):
    _export(tmp_path / "v1")
    withdrawn = Release.objects.get().members.first().image
    Image.objects.filter(pk=withdrawn.pk).update(status=ImageStatus.REJECTED)
    _export(tmp_path / "v2", version="0.1.1")
    lines = (tmp_path / "v2" / "withdrawals.jsonl").read_text().splitlines()
    assert [json.loads(line)["sha256"] for line in lines] == [withdrawn.sha256]


@pytest.mark.django_db
def test_a_maintainer_exports_from_the_site(
    accepted_demo_set,
    client_as,
    maintainer,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.VAR_DIR = tmp_path
    client = client_as(maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("curation:release-list"),
            {
                "version": "0.3.0",
                "seed": 7,
                "preset": "demo",
                "allow_simulated": "on",
                "memorisation_images_per_identity": 2,
            },
        )
    release = Release.objects.get()
    assert response["Location"] == reverse("curation:release-detail", args=[release.pk])
    run = JobRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED, run.error
    page = client.get(response["Location"]).content.decode()
    assert release.manifest_sha256 in page and "Dataset card" in page
    card = client.get(reverse("curation:release-file", args=[release.pk, "README.md"]))
    assert card.status_code == 200 and b"MM-Privacy" in card.content
    assert b"Memorisation images per identity: at most 2 (a dose study" in card.content
    assert release.counts["memorisation"]["images"] == 2 * 24


@pytest.mark.django_db
@pytest.mark.parametrize("dose", ["0", "-3", "1.5", "many", "1001"])
def test_a_dose_that_is_not_a_small_positive_count_is_a_form_error(client_as, maintainer, dose):
    response = client_as(maintainer).post(
        reverse("curation:release-list"),
        {"version": "0.3.0", "seed": 7, "preset": "demo", "memorisation_images_per_identity": dose},
    )
    assert response.status_code == 200
    assert "memorisation_images_per_identity" in response.context["form"].errors
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_a_demo_export_has_one_memorisation_image_per_memorised_identity(
    accepted_demo_set, tmp_path
):
    _export(tmp_path / "demo")
    rows = [
        json.loads(line)
        for line in (tmp_path / "demo/memorisation/metadata.jsonl").read_text().splitlines()
    ]
    memorised = Identity.objects.filter(pool="memorisation").values_list("key", flat=True)
    assert sorted(row["identity_id"] for row in rows) == sorted(memorised)
    images = list((tmp_path / "demo/memorisation/images").rglob("*.png"))
    assert len(images) == len(rows) == 24
    manifest = json.loads((tmp_path / "demo/manifest.json").read_text())
    assert manifest["counts"]["memorisation"]["images_per_identity"] == 1


@pytest.mark.django_db
def test_the_command_takes_a_dose(accepted_demo_set, tmp_path):
    _export(tmp_path / "dose", args=["--memorisation-images-per-identity", "3"])
    manifest = json.loads((tmp_path / "dose/manifest.json").read_text())
    assert manifest["counts"]["memorisation"]["images"] == 3 * 24
    with pytest.raises(CommandError, match="memorisation_images_per_identity must be at least 1"):
        _export(
            tmp_path / "none", version="0.2.0", args=["--memorisation-images-per-identity", "0"]
        )


@pytest.mark.django_db
def test_an_unexpected_failure_marks_the_release_failed(tmp_path, monkeypatch):
    def broken_build(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("curation.releases.services.build_release", broken_build)
    with pytest.raises(CommandError) as error:
        _export(tmp_path / "broken")
    assert "disk full" in str(error.value)
    release = Release.objects.get()
    assert release.status == ReleaseStatus.FAILED and "OSError: disk full" in release.error


def test_the_site_form_lets_simulated_images_into_a_demo_release_as_the_cli_does():
    from curation.releases.forms import ReleaseForm

    demo = ReleaseForm({"version": "0.1.0", "seed": 7, "preset": "demo"})
    full = ReleaseForm({"version": "0.1.0", "seed": 7, "preset": "full"})
    assert demo.is_valid() and demo.cleaned_data["allow_simulated"] is True
    assert full.is_valid() and full.cleaned_data["allow_simulated"] is False


@pytest.mark.django_db
def test_a_site_release_is_dated_and_its_croissant_validates_without_warnings(
    accepted_demo_set, tmp_path
):
    import mlcroissant
    from django.utils import timezone

    _export(tmp_path / "dated")
    metadata = json.loads((tmp_path / "dated/croissant.json").read_text())
    assert metadata["datePublished"] == timezone.localdate().isoformat()
    issues = mlcroissant.Dataset(jsonld=str(tmp_path / "dated/croissant.json")).metadata.ctx.issues
    assert (list(issues.errors), list(issues.warnings)) == ([], [])
