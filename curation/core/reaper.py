"""Keep job runs truthful and moving after failures: `manage.py reap` (README, "Deploying").

Production runs it as one long-lived process, `manage.py reap --every 60`, started with the
workers (systemd `curation-reaper.service`, compose `reaper`). Each pass is idempotent and
safe beside passes on other machines: every step acts only on what is still out of line.

1. RQ's own abandoned-job handling runs for every started job whose claim expired (its
   worker died): the failure callback records "Retrying" or "Failed: WORKER_DIED".
2. Runs still "running" or "retrying" although their worker is gone take RQ's verdict:
   a killed work-horse (RQ fails or reschedules its job without callbacks), a job that
   Redis lost. In-process runs (no Redis): the process recorded on the run no longer exists.
   Such runs, and those RQ failed for a dead worker, are settled: the kinds safe to run
   twice (`REAPER_REQUEUE_KINDS`) are queued again up to `REAPER_MAX_ATTEMPTS` starts; the
   others fail with the reason, and `ABANDONED_HOOKS` settles what they leave behind.
3. Runs Redis never got ("Not queued yet": it was down) or no longer holds, older than
   QUEUED_GRACE, are queued again (they never started, so any kind may be).
4. Retries that are due move onto their queues when no scheduler does it (a worker's
   scheduler dies with its worker; another takes over only at its next maintenance).
"""

import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from curation.core import jobs
from curation.core.models import JobRun, RunStatus

log = logging.getLogger(__name__)

# A queued run is handed to RQ or a thread just after its transaction commits; one that is
# still not in Redis (or not started, in-process) after this long was lost on the way.
QUEUED_GRACE = timedelta(minutes=2)
# A run RQ failed for a dead worker this long ago is history, not the reaper's business.
ADOPT_WITHIN = timedelta(days=1)
# What settles a given-up run's leftovers, by run kind (dotted names: core imports no app).
ABANDONED_HOOKS = {
    "photo": "curation.volunteers.services.upload_abandoned",
    "scoring": "curation.scoring.services.scoring_abandoned",
    "export": "curation.releases.services.export_abandoned",
}

ADOPTED_REASON = "RQ failed its job after the worker died"
_WAITING_IN_RQ = {"queued", "scheduled", "deferred"}
_DEAD_IN_RQ = {"failed", "stopped", "canceled"}


@dataclass(frozen=True)
class Reaped:
    run_id: int
    reason: str
    requeued: bool


def reap() -> list[Reaped]:
    """One pass over every unfinished run; says what became of each run it touched."""
    rq = settings.JOBS_MODE == "rq"
    if rq:
        _let_rq_settle_abandoned_jobs()
    reaped = []
    for run in JobRun.objects.filter(status__in=_UNSETTLED):
        reaped.append(_heal(run))
    if rq:
        reaped += [_settle(run.pk, ADOPTED_REASON) for run in _failed_by_rq()]
        _enqueue_due_retries()
    return [item for item in reaped if item is not None]


_UNSETTLED = [RunStatus.QUEUED, RunStatus.NOT_QUEUED, RunStatus.RUNNING, RunStatus.RETRYING]


def _heal(run: JobRun) -> Reaped | None:
    young = timezone.now() - run.created_at < QUEUED_GRACE
    if run.status in (RunStatus.QUEUED, RunStatus.NOT_QUEUED) and young:
        return None  # may still be on its way into Redis (dispatched on commit)
    if settings.JOBS_MODE != "rq" or run.queue == "inline":
        reason = _why_process_dead(run)
        return _settle(run.pk, reason) if reason else None
    status = _rq_status(run)
    if run.status in (RunStatus.QUEUED, RunStatus.NOT_QUEUED):
        return _queue_again(run) if status is None else None
    if status is None:
        return _settle(run.pk, "its RQ job is gone from Redis (Redis was flushed or restarted)")
    if status in _DEAD_IN_RQ:
        return _settle(run.pk, f"RQ reports its job {status} (the worker was killed or lost)")
    if status in _WAITING_IN_RQ and run.status == RunStatus.RUNNING:
        _show_retrying(run)
    return None


def _why_process_dead(run: JobRun) -> str:
    if run.status != RunStatus.RUNNING:
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


# --- RQ ------------------------------------------------------------------------------------


def _queues():
    import django_rq

    return [django_rq.get_queue(name) for name in settings.RQ_QUEUES]


def _let_rq_settle_abandoned_jobs() -> None:
    """RQ fails (or retries) every started job whose claim expired, running its callbacks."""
    for queue in _queues():
        queue.started_job_registry.cleanup()


def _rq_status(run: JobRun) -> str | None:
    """The status RQ holds for the run's latest job, or None when Redis has none. The job id
    carries the attempt count at dispatch (`jobs.rq_job_prefix`; RQ's retries keep it)."""
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = django_rq.get_connection(run.queue)
    for attempt in range(run.attempts, -1, -1):
        try:
            job = Job.fetch(f"{jobs.rq_job_prefix(run.pk)}{attempt}", connection=connection)
        except NoSuchJobError:
            continue
        status = job.get_status(refresh=True)
        return str(getattr(status, "value", status)) if status is not None else None
    return None


def _show_retrying(run: JobRun) -> None:
    """A work-horse killed while its worker lived on: RQ rescheduled the job, no callback ran."""
    JobRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.RETRYING, error=f"{jobs.WORKER_DIED} Retrying."
    )


def _failed_by_rq() -> QuerySet:
    """Runs RQ's failure callback failed for a dead worker that the reaper may requeue or
    settle (its hook); once settled, their error says so and they are not taken again."""
    adoptable = [*settings.REAPER_REQUEUE_KINDS, *ABANDONED_HOOKS]
    return JobRun.objects.filter(
        status=RunStatus.FAILED,
        error=jobs.WORKER_DIED,
        kind__in=adoptable,
        finished_at__gte=timezone.now() - ADOPT_WITHIN,
    )


def _queue_again(run: JobRun) -> Reaped | None:
    reason = "Redis never got its job (it was unreachable) or lost it"
    claimed = JobRun.objects.filter(pk=run.pk, status=run.status).update(
        status=RunStatus.QUEUED, error=""
    )
    if not claimed:
        return None  # another pass, or a worker, got there first
    jobs.dispatch(run.pk)
    return Reaped(run.pk, reason, requeued=True)


def _enqueue_due_retries() -> None:
    """Do a scheduler's work once for the queues no living scheduler holds (RQ's own lock per
    queue, so this never works beside one)."""
    from rq.scheduler import RQScheduler

    scheduler = RQScheduler(list(settings.RQ_QUEUES), connection=_queues()[0].connection)
    try:
        if scheduler.acquire_locks():
            scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()


def live_claims() -> set[int]:
    """Ids of runs a living worker is working on now (its claim has not expired)."""
    from rq.utils import current_timestamp

    runs = set()
    for queue in _queues():
        registry = queue.started_job_registry
        for entry in queue.connection.zrangebyscore(registry.key, current_timestamp(), "+inf"):
            run_id = _run_id(entry.decode() if isinstance(entry, bytes) else entry)
            if run_id is not None:
                runs.add(run_id)
    return runs


def _run_id(job_id: str) -> int | None:
    prefix, _, rest = job_id.partition("-")
    number = rest.split("-", 1)[0]
    return int(number) if prefix == "run" and number.isdigit() else None


def runs_without_worker(runs: QuerySet) -> list[JobRun]:
    """The "running" runs among `runs` that no living worker claims (RQ only): a scene run's
    Retry takes them over without waiting for the next pass."""
    if settings.JOBS_MODE != "rq":
        return []
    claimed = live_claims()
    settled_before = timezone.now() - timedelta(seconds=jobs.HEARTBEAT_TTL_S)
    return [
        run
        for run in runs.filter(status=RunStatus.RUNNING, started_at__lt=settled_before)
        if run.pk not in claimed
    ]


# --- settling ------------------------------------------------------------------------------


def _settle(run_id: int, reason: str) -> Reaped | None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        still_ours = run.status in _UNSETTLED or (
            run.status == RunStatus.FAILED and run.error == jobs.WORKER_DIED
        )
        if not still_ours:
            return None  # it finished, or another pass settled it, while we looked
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
