"""The new-run page: the plan (grid cells and counts) shows before anything starts."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benchmark.scenes import DEFAULT_GRID_PATH, load_grid
from curation.core.models import JobRun
from curation.scenes.forms import SceneRunForm
from curation.scenes.models import SceneRun


@pytest.fixture(autouse=True)
def grid_folder(settings, small_grid):
    """The small grid sits in the folder of grids that settings name."""
    settings.SCENE_GRIDS_DIR = str(Path(small_grid).parent)


def _params(tiny_model, small_grid, **changes) -> dict:
    params = {
        **SceneRunForm.defaults(),
        "model": tiny_model,
        "grid": Path(small_grid).name,
        "width": 64,
        "height": 64,
        "steps": 2,
        "device": "cpu",
        "per_cell": 3,
        "per_job": 4,
        "batch_size": 2,
        "seed": 9,
    }
    return {key: value for key, value in {**params, **changes}.items() if value is not None}


@pytest.mark.django_db
def test_it_previews_the_grid_and_counts_without_starting(
    client_as, maintainer, tiny_model, small_grid
):
    response = client_as(maintainer).post(
        reverse("curation:scene-run-new"), _params(tiny_model, small_grid, preview="1")
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    rows = plan.rows()
    assert len(rows) == 6 and {row["count"] for row in rows} == {3}
    assert {(row["target_type"], row["scenario"]) for row in rows} == {
        (target, scenario)
        for target in ("email", "phone", "ssn")
        for scenario in ("open", "hiring")
    }
    page = response.content.decode()
    assert "18 scenes" in page and "in 5 jobs of up to 4" in page
    for row in rows:
        assert row["prompt"] in page
    assert not SceneRun.objects.exists() and not JobRun.objects.exists()


@pytest.mark.django_db
def test_it_shows_the_bundled_grid_with_the_configured_model_by_default(
    client_as, maintainer, settings
):
    settings.SCENES_MODEL = "someone/some-model"
    response = client_as(maintainer).get(reverse("curation:scene-run-new"))
    plan = response.context["plan"]
    assert plan.cells == load_grid().cells() and plan.total == len(plan.cells)
    assert "someone/some-model" in response.content.decode()


@pytest.mark.django_db
def test_a_broken_grid_upload_is_a_form_error(client_as, maintainer, tiny_model, small_grid):
    broken = SimpleUploadedFile("broken.json", b"{not json", "application/json")
    response = client_as(maintainer).post(
        reverse("curation:scene-run-new"),
        _params(tiny_model, small_grid, grid="", grid_file=broken, preview="1"),
    )
    assert response.status_code == 200 and response.context["plan"] is None
    assert "is not valid JSON" in " ".join(response.context["form"].errors["grid"])


@pytest.mark.django_db
def test_a_grid_path_in_the_query_string_is_never_read(client_as, maintainer, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # opening it to read would hang the worker
    for path in (str(fifo), "/dev/zero", "/etc/passwd"):
        response = client_as(maintainer).get(reverse("curation:scene-run-new"), {"grid": path})
        assert response.status_code == 200
        assert response.context["plan"].grid_path == str(DEFAULT_GRID_PATH)


@pytest.mark.django_db
def test_a_posted_path_is_not_a_choice(client_as, maintainer, tiny_model, small_grid):
    for path in ("/dev/zero", small_grid, "../grid.json"):
        response = client_as(maintainer).post(
            reverse("curation:scene-run-new"), _params(tiny_model, small_grid, grid=path)
        )
        assert "Select a valid choice" in " ".join(response.context["form"].errors["grid"])
    assert not SceneRun.objects.exists()


@pytest.mark.django_db
def test_an_uploaded_grid_is_previewed_then_started(client_as, maintainer, tiny_model, small_grid):
    client = client_as(maintainer)
    upload = SimpleUploadedFile("mine.json", Path(small_grid).read_bytes(), "application/json")
    params = _params(tiny_model, small_grid, grid="", grid_file=upload, preview="1")
    preview = client.post(reverse("curation:scene-run-new"), params)
    assert preview.context["plan"].total == 18
    carried = preview.context["form"].uploaded_grid
    assert carried == Path(small_grid).read_text()

    client.post(
        reverse("curation:scene-run-new"),
        _params(tiny_model, small_grid, grid="", grid_text=carried),
    )
    assert SceneRun.objects.get().total == 18


@pytest.mark.django_db
def test_an_oversized_grid_upload_is_refused_unread(
    client_as, maintainer, tiny_model, small_grid, settings
):
    settings.SCENE_GRID_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.json", b" " * 2048 + b"{}", "application/json")
    response = client_as(maintainer).post(
        reverse("curation:scene-run-new"),
        _params(tiny_model, small_grid, grid_file=upload, preview="1"),
    )
    assert "at most 1 KiB" in " ".join(response.context["form"].errors["grid_file"])


@pytest.mark.django_db
def test_a_size_that_is_not_a_multiple_of_8_is_refused(
    client_as, maintainer, tiny_model, small_grid
):
    response = client_as(maintainer).post(
        reverse("curation:scene-run-new"), _params(tiny_model, small_grid, width=100)
    )
    assert response.status_code == 200
    assert "multiple of 8" in " ".join(response.context["form"].errors["width"])
    assert not SceneRun.objects.exists()


@pytest.mark.django_db
def test_posting_the_plan_queues_one_gpu_job_per_batch(
    client_as, maintainer, tiny_model, small_grid
):
    response = client_as(maintainer).post(
        reverse("curation:scene-run-new"), _params(tiny_model, small_grid)
    )
    run = SceneRun.objects.get()
    assert response["Location"] == reverse("curation:scene-run-detail", args=[run.pk])
    assert (run.total, run.per_cell, run.seed, run.created_by) == (18, 3, 9, maintainer)
    batches = [(batch.start, batch.stop, batch.job.queue) for batch in run.batches.all()]
    assert batches == [
        (0, 4, "gpu"),
        (4, 8, "gpu"),
        (8, 12, "gpu"),
        (12, 16, "gpu"),
        (16, 18, "gpu"),
    ]
    assert run.status == "queued"


@pytest.mark.django_db
def test_jobs_hold_whole_pipeline_batches(client_as, maintainer, tiny_model, small_grid):
    client_as(maintainer).post(
        reverse("curation:scene-run-new"),
        _params(tiny_model, small_grid, per_job=5, batch_size=4, per_cell=2),
    )
    run = SceneRun.objects.get()
    assert [(batch.start, batch.stop) for batch in run.batches.all()] == [(0, 8), (8, 12)]


@pytest.mark.django_db
def test_real_models_default_to_the_paper_s_768_px_and_1024_is_available(
    client_as, maintainer, tiny_model, small_grid
):
    assert (SceneRunForm.defaults()["width"], SceneRunForm.defaults()["height"]) == (768, 768)
    response = client_as(maintainer).get(
        reverse("curation:scene-run-new"), _params(tiny_model, small_grid, width=1024, height=1024)
    )
    assert response.status_code == 200 and not response.context["form"].errors
