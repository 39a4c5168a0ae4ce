"""The new-run page: the plan (grid cells and counts) shows before anything starts."""

import pytest
from django.urls import reverse

from benchmark.scenes import load_grid
from curation.core.models import JobRun
from curation.scenes.forms import SceneRunForm
from curation.scenes.models import SceneRun


def _params(tiny_model, small_grid, **changes) -> dict:
    params = {
        **SceneRunForm.defaults(),
        "model": tiny_model,
        "grid": small_grid,
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
    response = client_as(maintainer).get(
        reverse("curation:scene-run-new"), _params(tiny_model, small_grid)
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    rows = plan.rows()
    assert len(rows) == 6 and {row["count"] for row in rows} == {3}
    assert {(row["target_type"], row["scenario"]) for row in rows} == {
        (target, scenario)
        for target in ("email", "phone", "ssn")
        for scenario in ("none", "hiring")
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
    response = client_as(maintainer).get(reverse("curation:scene-run-new"), {"per_cell": 2})
    plan = response.context["plan"]
    assert plan.cells == load_grid().cells() and plan.total == 2 * len(plan.cells)
    assert "someone/some-model" in response.content.decode()


@pytest.mark.django_db
def test_a_broken_grid_file_is_a_form_error(client_as, maintainer, tiny_model, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    response = client_as(maintainer).get(
        reverse("curation:scene-run-new"), _params(tiny_model, str(broken))
    )
    assert response.status_code == 200 and response.context["plan"] is None
    assert "is not valid JSON" in " ".join(response.context["form"].errors["grid"])


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
