"""Batch jobs end to end in this process: stored scenes, provenance, idempotence, failures."""

import hashlib
import shutil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmark.scenes import load_grid, plan_scenes
from curation.core import storage
from curation.core.models import Image, RunStatus
from curation.scenes import tasks
from curation.scenes.models import SceneImage

PROVENANCE_KEYS = {
    "model",
    "revision",
    "model_hash",
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "guidance",
    "width",
    "height",
    "scheduler",
    "versions",
    "simulated",
}


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Start a run and execute its jobs (inline, as on commit)."""

    def run_jobs(start, **options):
        with django_capture_on_commit_callbacks(execute=True):
            run = start(**options)
        return run

    return run_jobs


def _hashes(run) -> dict[int, str]:
    return dict(run.scenes.values_list("index", "image__sha256"))


@pytest.mark.django_db
def test_it_stores_every_planned_scene_pending_with_full_provenance(run_jobs, start_run):
    run = run_jobs(start_run, per_cell=1, per_job=4)
    assert run.status == RunStatus.SUCCEEDED
    scenes = list(run.scenes.select_related("image"))
    assert [scene.index for scene in scenes] == list(range(6))
    for scene in scenes:
        image = scene.image
        assert (image.source, image.status) == ("diffusion", "pending")
        assert image.file.name == f"scenes/{run.pk}/{scene.index}.png"
        assert (image.width, image.height) == (64, 64)
        assert image.sha256 == hashlib.sha256(storage.read_bytes(image.file.name)).hexdigest()
        provenance = image.provenance
        assert provenance.keys() >= PROVENANCE_KEYS
        assert provenance["model"] == run.model and provenance["model_hash"].startswith("sha256:")
        assert provenance["simulated"] is True and image.simulated is True
        assert (image.scenario, image.target_type) == (
            provenance["scenario"],
            provenance["target_type"],
        )
        assert {"diffusers", "torch", "transformers"} <= provenance["versions"].keys()
        assert (provenance["steps"], provenance["width"]) == (2, 64)
    assert {scene.image.scenario for scene in scenes} == {"open", "hiring"}
    assert {scene.image.target_type for scene in scenes} == {"email", "phone", "ssn"}


@pytest.mark.django_db
def test_each_index_is_the_scene_the_grid_file_plans_for_it(run_jobs, start_run, small_grid):
    run = run_jobs(start_run, seed=8)
    planned = plan_scenes(load_grid(small_grid), per_cell=1, seed=8)
    stored = {scene.index: scene.image.provenance for scene in run.scenes.select_related("image")}
    assert [(spec.prompt, spec.seed, spec.cue) for spec in planned] == [
        (stored[index]["prompt"], stored[index]["seed"], stored[index]["cue"])
        for index in range(len(planned))
    ]


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(run_jobs, start_run):
    first = _hashes(run_jobs(start_run, seed=3))
    again = _hashes(run_jobs(start_run, seed=3))
    other = _hashes(run_jobs(start_run, seed=4))
    assert first == again
    assert all(first[index] != other[index] for index in first)


@pytest.mark.django_db
def test_a_batch_run_twice_skips_the_scenes_already_stored(run_jobs, start_run):
    run = run_jobs(start_run, per_job=6)
    job = run.batches.get().job
    SceneImage.objects.filter(run=run, index=5).delete()
    result = tasks.generate_scene_batch(job, **job.params)
    assert (result["stored"], result["skipped"]) == (1, 5)
    assert run.scenes.count() == 6 and Image.objects.count() == 7


@pytest.mark.django_db
def test_a_model_that_cannot_be_loaded_fails_every_batch_with_one_clear_message(
    run_jobs, start_run, tmp_path, client_as, maintainer
):
    missing = str(tmp_path / "no-such-model")
    run = run_jobs(start_run, model=missing, per_job=2)
    assert run.status == RunStatus.FAILED
    errors = {batch.job.error for batch in run.batches.all()}
    assert len(errors) == 1 and len(run.jobs) == 3
    message = errors.pop()
    assert message.startswith(f"Cannot load the diffusion model {missing!r}: that folder does")
    assert "SCENES_MODEL" in message and "\n" not in message
    page = client_as(maintainer).get(reverse("curation:scene-run-detail", args=[run.pk]))
    assert page.content.decode().count("that folder does not exist") == 4  # failures + 3 batches


@pytest.mark.django_db
def test_retrying_after_the_model_appears_finishes_the_run(
    run_jobs,
    start_run,
    tmp_path,
    tiny_model,
    client_as,
    maintainer,
    django_capture_on_commit_callbacks,
):
    model = tmp_path / "model-later"
    run = run_jobs(start_run, model=str(model))
    assert run.status == RunStatus.FAILED
    shutil.copytree(tiny_model, model)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(maintainer).post(reverse("curation:scene-run-retry", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.scenes.count() == 6
    assert run.load_error == ""


@pytest.mark.django_db
def test_a_failure_while_generating_drops_the_pipeline(run_jobs, start_run):
    run_jobs(start_run)
    loads = tasks.PIPELINES.loads
    failed = run_jobs(start_run, width=60, per_job=6)
    assert failed.status == RunStatus.FAILED
    assert "width must be a positive multiple of 8" in failed.jobs[0].error
    run_jobs(start_run)
    assert tasks.PIPELINES.loads == loads + 1


@pytest.mark.django_db
def test_the_run_page_shows_progress_and_thumbnails(run_jobs, start_run, client_as, maintainer):
    run = run_jobs(start_run)
    client = client_as(maintainer)
    page = client.get(reverse("curation:scene-run-detail", args=[run.pk])).content.decode()
    for scene in run.scenes.all():
        assert reverse("curation:image-file", args=[scene.image_id]) in page
    status = client.get(reverse("curation:scene-run-status", args=[run.pk])).json()
    expected = {"status": "succeeded", "stored": 6, "total": 6, "percent": 100, "finished": True}
    assert {key: status[key] for key in expected} == expected
    assert (status["jobs"], status["failures"]) == ({"succeeded": 3}, [])
    listing = client.get(reverse("curation:scene-run-list")).content.decode()
    assert "6/6" in listing


@pytest.mark.django_db
def test_the_status_poll_reads_every_batch_in_one_query(run_jobs, start_run, client_as, maintainer):
    few = run_jobs(start_run, per_job=2)
    many = run_jobs(start_run, per_job=1, batch_size=1)
    client = client_as(maintainer)

    def poll(run) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            status = client.get(reverse("curation:scene-run-status", args=[run.pk])).json()
        return len(queries), status

    poll(few)
    few_queries, few_status = poll(few)
    many_queries, many_status = poll(many)
    assert (few_status["job_count"], many_status["job_count"]) == (3, 6)
    assert many_queries == few_queries
