"""Reads for the scene pages: runs with their jobs, and a run's progress."""

from collections import Counter

from django.db.models import Count, QuerySet

from curation.core.models import RunStatus
from curation.scenes.models import SceneBatch, SceneRun, derive_status


def scene_runs() -> QuerySet[SceneRun]:
    runs = SceneRun.objects.prefetch_related("batches__job").annotate(stored=Count("scenes"))
    # Meta.ordering does not apply to aggregating queries: order explicitly for paging.
    return runs.order_by("-created_at", "-id")


def scene_run_progress(run: SceneRun) -> dict:
    """Stored scenes against the plan, jobs per status, and each distinct failure with the
    batches it stopped. Reads the batches afresh (one query), so polling sees new states."""
    batches = list(run.batches.select_related("job"))
    jobs = [batch.job for batch in batches]
    stored = run.scenes.count()
    status = derive_status([job.status for job in jobs])
    return {
        "status": status,
        "status_label": RunStatus(status).label,
        "stored": stored,
        "total": run.total,
        "percent": int(100 * stored / run.total) if run.total else 0,
        "jobs": {state: count for state, count in Counter(job.status for job in jobs).items()},
        "job_count": len(jobs),
        "failures": _failures(batches),
        "finished": status in {RunStatus.SUCCEEDED, RunStatus.FAILED},
    }


def _failures(batches: list[SceneBatch]) -> list[dict]:
    by_error: dict[str, list[str]] = {}
    for batch in batches:
        if batch.job.status == RunStatus.FAILED:
            by_error.setdefault(batch.job.error or "No reason recorded.", []).append(
                f"{batch.start}-{batch.stop - 1}"
            )
    return [{"error": error, "batches": batches} for error, batches in by_error.items()]
