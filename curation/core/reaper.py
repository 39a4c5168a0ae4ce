"""Settle job runs whose worker died: `manage.py reap` (from cron, every few minutes).

A run is "running" or "queued" until its job function returns. If the process running
it is killed (kill -9, out of memory, a restart, a lost machine), nothing records the
end, and the run, its packet or its export would stay "running" for ever. The reaper
finds such runs: on RQ, the job is gone from Redis or RQ itself has marked it failed
(RQ notices a killed work-horse; a killed worker's jobs fail once its heartbeat
expires); in-process, the process recorded on the run (host and pid) no longer exists.
Each is marked failed with the reason, then the kinds whose jobs are safe to run again
are queued again, up to `REAPER_MAX_ATTEMPTS`; for the others, an app may name a
function that settles what the run leaves behind (`ABANDONED_HOOKS`).
"""

import contextlib
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from curation.core import jobs
from curation.core.models import JobRun, RunStatus

# A queued run is handed to RQ or a thread just after its transaction commits; one still
# unclaimed after this long was lost with the process that created it.
QUEUED_GRACE = timedelta(minutes=10)
# What settles a given-up run's leftovers, by run kind (dotted names: core imports no app).
ABANDONED_HOOKS = {
    "photo": "curation.volunteers.services.upload_abandoned",
    "scoring": "curation.scoring.services.scoring_abandoned",
    "export": "curation.releases.services.export_abandoned",
}


@dataclass(frozen=True)
class Reaped:
    run_id: int
    reason: str
    requeued: bool


def reap() -> list[Reaped]:
    """Settle every run whose worker died; say what became of each."""
    if settings.JOBS_MODE == "rq":
        _let_rq_fail_abandoned_jobs()
    reaped = []
    for run in JobRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]):
        reason = _why_dead(run)
        if reason:
            reaped.append(_settle(run.pk, reason))
    return [item for item in reaped if item is not None]


def _why_dead(run: JobRun) -> str:
    if run.status == RunStatus.QUEUED and timezone.now() - run.created_at < QUEUED_GRACE:
        return ""
    if settings.JOBS_MODE == "rq" and run.queue != "inline":
        return _why_rq_job_dead(run)
    return _why_process_dead(run)


def _why_process_dead(run: JobRun) -> str:
    if run.status == RunStatus.QUEUED:
        return "it was never started: the process that queued it stopped first"
    if run.host != socket.gethostname()[:100] or run.pid is None:
        return ""  # another machine's process: only that machine can tell
    if _process_exists(run.pid):
        return ""
    return f"its process ({run.pid} on {run.host}) stopped before the job finished"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _let_rq_fail_abandoned_jobs() -> None:
    """RQ moves a started job whose worker stopped heart-beating to its failed registry."""
    import django_rq
    from rq.registry import StartedJobRegistry

    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name)
        StartedJobRegistry(queue=queue).cleanup()


def _why_rq_job_dead(run: JobRun) -> str:
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = django_rq.get_connection(run.queue)
    # The job id carries the attempt count when it was queued (RQ's own retries keep it).
    for attempt in range(run.attempts, -1, -1):
        try:
            job = Job.fetch(f"run-{run.pk}-{attempt}", connection=connection)
        except NoSuchJobError:
            continue
        status = job.get_status(refresh=True)
        if status in ("failed", "stopped", "canceled"):
            return f"RQ reports its job {status.value} (the worker was killed or lost)"
        return ""
    return "its RQ job is gone from Redis (Redis was flushed or the job expired)"


def _settle(run_id: int, reason: str) -> Reaped | None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return None  # it finished while we looked
        requeue = (
            run.kind in settings.REAPER_REQUEUE_KINDS
            and run.attempts < settings.REAPER_MAX_ATTEMPTS
        )
        run.status = RunStatus.QUEUED if requeue else RunStatus.FAILED
        run.error = f"The worker stopped: {reason}." + (" Queued again." if requeue else "")
        run.finished_at = None if requeue else timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        if not requeue and run.kind in ABANDONED_HOOKS:
            import_string(ABANDONED_HOOKS[run.kind])(run)
    if requeue:
        _run_again(run.pk)
    return Reaped(run.pk, reason, requeue)


def _run_again(run_id: int) -> None:
    if settings.JOBS_MODE == "rq":
        jobs.dispatch(run_id)
    else:  # no worker to hand it to: run it here, now (its failure is recorded on the run)
        with contextlib.suppress(Exception):
            jobs.execute(run_id)
