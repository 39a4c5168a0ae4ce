"""Planning, starting and storing diffusion-scene runs; views, the command, jobs and demo call
these."""

import dataclasses
import io
import math
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from benchmark import scenes as bscenes
from curation.core import storage
from curation.core.jobs import WORKER_DIED, JobFailed, run_now, start_job
from curation.core.models import Image, ImageStatus, JobRun, RunStatus, Source
from curation.core.reaper import runs_without_worker
from curation.core.services import image_store
from curation.scenes.models import SceneBatch, SceneImage, SceneRun

GRID_FIELDS = ("template", "style", "negative_prompt", "subjects", "settings", "cues")
JOB_RETRIES = 2
GENERATION_JOB = "curation.scenes.tasks.generate_scene_batch"


@dataclasses.dataclass(frozen=True)
class ScenePlan:
    """What a run will generate: every grid cell `per_cell` times, `per_job` scenes per job."""

    grid: bscenes.SceneGrid
    per_cell: int
    per_job: int
    seed: int

    @property
    def grid_path(self) -> str:
        return str(self.grid.path or "")

    @property
    def cells(self) -> list[bscenes.GridCell]:
        return self.grid.cells()

    @property
    def total(self) -> int:
        return self.per_cell * len(self.cells)

    @property
    def axes(self) -> dict[str, int]:
        grid = self.grid
        return {
            "target types": len(grid.subjects),
            "scenarios": len(grid.settings),
            "cues": len(grid.cues),
        }

    def rows(self) -> list[dict]:
        """One row per cell: its prompt and how many scenes it gets."""
        return [self._row(cell) for cell in self.cells]

    def _row(self, cell: bscenes.GridCell) -> dict:
        prompt = self.grid.prompt_for(cell)
        return {**dataclasses.asdict(cell), "prompt": prompt, "count": self.per_cell}

    def batches(self) -> list[tuple[int, int]]:
        """(start, stop) index ranges, one per job."""
        return [
            (start, min(start + self.per_job, self.total))
            for start in range(0, self.total, self.per_job)
        ]


def scene_plan(
    *,
    grid_path: str | Path | None,
    per_cell: int,
    per_job: int,
    seed: int,
    batch_size: int = 1,
    grid_text: str | None = None,
) -> ScenePlan:
    """Read the grid (ValueError says what is wrong with it) and plan the run: from
    `grid_text` (an uploaded grid) when given, else the file at `grid_path` (else the
    bundled one). Jobs hold a whole number of pipeline batches, so only a run's last call
    is short.
    """
    if grid_text:
        grid = bscenes.parse_grid(grid_text, where="the uploaded grid")
    else:
        grid = bscenes.load_grid(Path(grid_path).resolve() if grid_path else None)
    whole_batches = math.ceil(per_job / batch_size) * batch_size
    return ScenePlan(grid=grid, per_cell=per_cell, per_job=whole_batches, seed=seed)


def grid_snapshot(grid: bscenes.SceneGrid) -> dict:
    """The grid as JSON; phrase tables become [name, phrase] lists because their order fixes
    which cell each scene index falls in, and PostgreSQL's jsonb does not keep key order."""
    snapshot = {}
    for name in GRID_FIELDS:
        value = getattr(grid, name)
        snapshot[name] = list(value.items()) if isinstance(value, dict) else value
    return snapshot


def grid_of(run: SceneRun) -> bscenes.SceneGrid:
    """The grid exactly as it was when the run started."""
    fields = {
        name: dict(value) if isinstance(value, list) else value for name, value in run.grid.items()
    }
    return bscenes.SceneGrid(**fields, path=Path(run.grid_path) if run.grid_path else None)


def scene_run_start(*, plan: ScenePlan, user=None, inline: bool = False, **generation) -> SceneRun:
    """Record the run and one job per batch: queued on `gpu` after commit, or (`inline`) run
    here one after the other, for commands without a queue and for demo data.

    `generation` holds SceneRun's generation fields: model, revision, scheduler, dtype, device,
    steps, guidance, width, height, batch_size.
    """
    if inline:
        run = _create_run(plan, user, generation)
        for start, stop in plan.batches():
            _batch(run, start, stop, lambda **job: run_now(**job, user=user))
        return run
    return _start_queued(plan, user, generation)


@transaction.atomic
def _start_queued(plan: ScenePlan, user, generation: dict) -> SceneRun:
    run = _create_run(plan, user, generation)
    queue = {"queue": "gpu", "retries": JOB_RETRIES, "user": user}
    for start, stop in plan.batches():
        _batch(run, start, stop, lambda **job: start_job(**job, **queue))
    return run


def _create_run(plan: ScenePlan, user, generation: dict) -> SceneRun:
    return SceneRun.objects.create(
        **generation,
        per_cell=plan.per_cell,
        per_job=plan.per_job,
        seed=plan.seed,
        grid_path=plan.grid_path,
        grid=grid_snapshot(plan.grid),
        total=plan.total,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _batch(run: SceneRun, start: int, stop: int, launch) -> SceneBatch:
    job = launch(
        func=GENERATION_JOB,
        kind="scenes",
        title=f"Scenes {start}-{stop - 1} of run #{run.pk} ({run.model})",
        params={"scene_run": run.pk, "start": start, "stop": stop},
    )
    return SceneBatch.objects.create(run=run, start=start, stop=stop, job=job)


@transaction.atomic
def scene_run_retry_failed(run: SceneRun, user=None) -> int:
    """Give every failed batch, and every "running" batch whose worker is gone, a fresh job
    (after the model was fixed or the gpu worker restarted, say); returns how many."""
    run.load_error = ""
    run.save(update_fields=["load_error"])
    batches = run.batches.select_related("job")
    failed = list(batches.filter(job__status=RunStatus.FAILED))
    orphaned = runs_without_worker(JobRun.objects.filter(scene_batch__run=run))
    JobRun.objects.filter(pk__in=[job.pk for job in orphaned]).update(
        # Not WORKER_DIED itself: the reaper would queue these again beside their new jobs.
        status=RunStatus.FAILED,
        error=f"{WORKER_DIED} Taken over by the run's Retry.",
        finished_at=timezone.now(),
    )
    failed += list(batches.filter(job__in=orphaned))
    for batch in failed:
        batch.job = start_job(
            GENERATION_JOB,
            kind=batch.job.kind,
            title=batch.job.title,
            params=batch.job.params,
            queue="gpu",
            retries=JOB_RETRIES,
            user=user,
        )
        batch.save(update_fields=["job"])
    return len(failed)


def scene_run_mark_unloadable(run: SceneRun, message: str, *, failing_job: JobRun) -> None:
    """Remember why the model cannot be loaded and fail the run's waiting batches with the same
    message, so the run shows as failed at once instead of waiting on jobs that cannot work."""
    SceneRun.objects.filter(pk=run.pk).update(load_error=message)
    JobRun.objects.filter(scene_batch__run=run, status=RunStatus.QUEUED).exclude(
        pk=failing_job.pk
    ).update(status=RunStatus.FAILED, error=message, finished_at=timezone.now())


def batch_is_superseded(run: SceneRun, start: int, job: JobRun) -> bool:
    """A retried batch has a new job; the old one, if it still comes up, must not run too."""
    return run.batches.filter(start=start).exclude(job=job).exists()


def specs_to_generate(run: SceneRun, start: int, stop: int) -> list[bscenes.SceneSpec]:
    """The batch's planned scenes that are not stored yet (jobs may run more than once)."""
    specs = bscenes.plan_scenes(grid_of(run), run.per_cell, run.seed)[start:stop]
    stored = set(
        run.scenes.filter(index__gte=start, index__lt=stop).values_list("index", flat=True)
    )
    return [spec for spec in specs if spec.index not in stored]


def batch_unread_image_ids(run: SceneRun, start: int, stop: int) -> list[int]:
    """The images of the batch's stored scenes that have no machine reading yet."""
    stored = run.scenes.filter(index__gte=start, index__lt=stop, image__read_at__isnull=True)
    return list(stored.values_list("image_id", flat=True))


def scene_key(run: SceneRun, index: int) -> str:
    return f"scenes/{run.pk}/{index}.png"


def png_bytes(image) -> bytes:
    """PNG without metadata: the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def scene_store(run: SceneRun, scene: bscenes.GeneratedScene) -> Image:
    """Store one generated scene for review: pending, reserved for the retention test."""
    key = scene_key(run, scene.spec.index)
    # A file without its row is left from a job killed mid-store; replace it.
    storage.delete(key)
    with transaction.atomic():
        image = image_store(
            data=png_bytes(scene.image),
            key=key,
            source=Source.DIFFUSION,
            scenario=scene.spec.scenario,
            target_type=scene.spec.target_type,
            status=ImageStatus.PENDING,
            provenance={**scene.provenance, "scene_run": run.pk},
            simulated=bool(scene.provenance.get("simulated")),
        )
        try:
            SceneImage.objects.create(run=run, index=scene.spec.index, image=image)
        except IntegrityError:
            storage.delete(image.file.name)
            raise
    return image


def scene_run_or_fail(pk: int) -> SceneRun:
    try:
        return SceneRun.objects.get(pk=pk)
    except SceneRun.DoesNotExist:
        raise JobFailed(f"Scene run #{pk} no longer exists; nothing to generate.") from None
