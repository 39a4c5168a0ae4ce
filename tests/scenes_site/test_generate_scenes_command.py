"""`manage.py generate_scenes`: without a queue it runs the batches here and reports."""

import django_rq
import pytest
from django.core.management import CommandError, call_command

from curation.core.models import RunStatus
from curation.scenes.models import SceneRun


def _options(tiny_model, small_grid, **changes) -> dict:
    options = {
        "model": tiny_model,
        "grid": small_grid,
        "per_cell": 2,
        "seed": 5,
        "steps": 2,
        "size": "64x128",
        "batch_size": 3,
        "per_job": 6,
        "device": "cpu",
    }
    return options | changes


@pytest.mark.django_db
def test_it_generates_the_planned_scenes(tiny_model, small_grid, capsys):
    call_command("generate_scenes", **_options(tiny_model, small_grid))
    run = SceneRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.scenes.count() == 12
    assert [(batch.start, batch.stop) for batch in run.batches.all()] == [(0, 6), (6, 12)]
    image = run.scenes.first().image
    assert (image.width, image.height) == (64, 128) and image.provenance["batch_size"] == 3
    output = capsys.readouterr().out
    assert "6 cells x 2 = 12 scenes in 2 jobs" in output and "12/12 scenes stored" in output


@pytest.mark.django_db
def test_an_unloadable_model_ends_with_its_one_message(tiny_model, small_grid, tmp_path):
    missing = str(tmp_path / "absent")
    with pytest.raises(CommandError) as raised:
        call_command("generate_scenes", **_options(tiny_model, small_grid, model=missing))
    assert str(raised.value).count("Cannot load the diffusion model") == 1
    assert SceneRun.objects.get().status == RunStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"size": "big"}, "--size 'big'"),
        ({"size": "100"}, "--width: Use a multiple of 8"),
        ({"grid": "/no/such/grid.json"}, "--grid: scene grid /no/such/grid.json does not exist"),
        ({"device": "tpu"}, "--device: Use auto, cuda"),
    ],
)
def test_bad_options_are_refused_before_anything_starts(tiny_model, small_grid, change, complaint):
    with pytest.raises(CommandError, match=complaint.replace("(", r"\(")):
        call_command("generate_scenes", **_options(tiny_model, small_grid, **change))
    assert not SceneRun.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_a_queue_it_queues_the_batches_on_gpu_and_returns(
    settings, tiny_model, small_grid, capsys
):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("gpu")
    queue.empty()
    call_command("generate_scenes", **_options(tiny_model, small_grid))
    run = SceneRun.objects.get()
    assert queue.count == 2 and run.status == RunStatus.QUEUED
    assert f"Scene run #{run.pk} queued on gpu" in capsys.readouterr().out
    queue.empty()
