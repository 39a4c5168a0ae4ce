"""The batch job of a scene run, and the pipeline it keeps loaded between jobs.

`PIPELINES` lives as long as the worker process, so a worker loads the model once and reuses
it for every batch with the same settings. That needs jobs to run in the worker's own process:
start the gpu worker as `manage.py rqworker gpu --worker-class rq.worker.SimpleWorker` (RQ's
default worker forks a fresh process per job, which would load the model every time and cannot
use CUDA after a fork).
"""

import os
import threading

from benchmark import scenes as bscenes
from curation.core import reading
from curation.core.jobs import JobFailed, run_progress
from curation.scenes import services
from curation.scenes.models import SceneRun

PIPELINES = bscenes.PipelineCache()
# One pipeline call at a time: diffusers pipelines keep scheduler state, and jobs run in
# threads when there is no Redis.
_GENERATION_LOCK = threading.Lock()


def generate_scene_batch(run, *, scene_run: int, start: int, stop: int) -> dict:
    """Generate and store the batch's scenes that are not stored yet."""
    scenes = services.scene_run_or_fail(scene_run)
    if services.batch_is_superseded(scenes, start, run):
        return {"superseded": True}
    if scenes.load_error:
        raise JobFailed(scenes.load_error)
    specs = services.specs_to_generate(scenes, start, stop)
    skipped = stop - start - len(specs)
    run_progress(run, skipped, stop - start, f"{skipped} already stored")
    if specs:
        with _GENERATION_LOCK:
            loaded = _pipeline_for(scenes, run)
            _generate_and_store(scenes, loaded, specs, run, done=skipped)
    # Every stored scene of the batch still unread, not just this attempt's: an attempt
    # killed after storing some scenes never queued their reading.
    unread = services.batch_unread_image_ids(scenes, start, stop)
    reading.reading_on_arrival(unread, user=run.created_by, why=f"scenes of run #{scenes.pk}")
    return {
        "stored": len(specs),
        "skipped": skipped,
        "pipeline_loads_in_worker": PIPELINES.loads,
        "worker_pid": os.getpid(),
    }


def pipeline_options(scenes: SceneRun) -> dict:
    return {
        "revision": scenes.revision or None,
        "scheduler": scenes.scheduler or None,
        "dtype": scenes.dtype,
        "device": scenes.device,
    }


def _pipeline_for(scenes: SceneRun, run) -> bscenes.LoadedPipeline:
    run_progress(run, run.done, message=f"Loading {scenes.model}")
    try:
        return PIPELINES.get(scenes.model, **pipeline_options(scenes))
    except bscenes.PipelineLoadError as error:
        services.scene_run_mark_unloadable(scenes, str(error), failing_job=run)
        raise JobFailed(str(error)) from None


def _generate_and_store(scenes: SceneRun, loaded, specs, run, *, done: int) -> None:
    for scene in _generate_or_release(scenes, loaded, specs):
        services.scene_store(scenes, scene)
        done += 1
        run_progress(run, done, message=f"Stored scene {scene.spec.index}")


def _generate_or_release(scenes: SceneRun, loaded, specs):
    """Generated scenes; a failure while generating drops the pipeline to hand its memory back
    (the next job loads it afresh), and running out of memory says what to change."""
    try:
        yield from bscenes.generate(
            loaded,
            specs,
            steps=scenes.steps,
            guidance=scenes.guidance,
            width=scenes.width,
            height=scenes.height,
            batch_size=scenes.batch_size,
        )
    except Exception as error:
        PIPELINES.close()
        if _is_out_of_memory(error):
            raise JobFailed(
                f"Out of memory on {loaded.device} generating {scenes.width}x{scenes.height} "
                f"scenes {scenes.batch_size} at a time; start a run with a smaller batch size "
                "or size."
            ) from error
        raise


def _is_out_of_memory(error: Exception) -> bool:
    import torch

    return isinstance(error, torch.OutOfMemoryError | MemoryError)
