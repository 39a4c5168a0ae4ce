"""Bring JobRuns back in line with RQ after outages (`manage.py sweep_jobs`, every minute).

Safe to run any time and as often as wanted, from any machine with REDIS_URL: each step
only acts on what is still out of line when it looks.
1. Jobs whose worker died (their claim in a started-job registry expired) are handed to
   RQ's own abandoned-job handling, whose failure callback records "retrying" or "failed".
2. Runs still "running" without a live claim (a work-horse killed while its worker lived on,
   which RQ handles without callbacks) take RQ's verdict: retrying if RQ holds the job for
   another try, else failed with WORKER_DIED.
3. Runs that could not be queued (Redis was down) and queued runs whose job Redis no longer
   holds (Redis restarted without its data) are queued again.
4. Retries that are due move onto their queues when no scheduler does it: a worker's
   scheduler dies with its worker, and another worker takes over only at its next
   maintenance, up to 10 minutes later.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from curation.core import jobs
from curation.core.models import JobRun, RunStatus

# A queued run younger than this may still be on its way into Redis (dispatch on commit).
QUEUED_GRACE = timedelta(minutes=2)


def sweep() -> dict:
    if settings.JOBS_MODE != "rq":
        return {"abandoned": 0, "settled": 0, "requeued": 0, "retries_due": 0}
    return {
        "abandoned": clean_started_registries(),
        "settled": settle_runs_without_worker(),
        "requeued": requeue_lost_runs(),
        "retries_due": enqueue_due_retries(),
    }


def _queues():
    import django_rq

    return [django_rq.get_queue(name) for name in settings.RQ_QUEUES]


def clean_started_registries() -> int:
    """Let RQ fail or retry every job whose claim expired; returns how many it found."""
    from rq.utils import current_timestamp

    found = 0
    for queue in _queues():
        registry = queue.started_job_registry
        found += len(registry.get_expired_job_ids(current_timestamp()))
        registry.cleanup()
    return found


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


def runs_without_worker(runs) -> list[JobRun]:
    """The "running" runs among `runs` that no living worker claims (RQ mode only)."""
    if settings.JOBS_MODE != "rq":
        return []
    claimed = live_claims()
    settled_before = timezone.now() - timedelta(seconds=jobs.HEARTBEAT_TTL_S)
    return [
        run
        for run in runs.filter(status=RunStatus.RUNNING, started_at__lt=settled_before)
        if run.pk not in claimed
    ]


def settle_runs_without_worker() -> int:
    orphans = runs_without_worker(JobRun.objects.filter(queue__in=list(settings.RQ_QUEUES)))
    for run in orphans:
        waiting = _rq_status(run) in {"queued", "scheduled", "deferred"}
        status = RunStatus.RETRYING if waiting else RunStatus.FAILED
        JobRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status,
            error=jobs.WORKER_DIED,
            finished_at=None if waiting else timezone.now(),
        )
    return len(orphans)


def _rq_status(run: JobRun) -> str | None:
    """The status RQ holds for the run's latest job, or None when Redis has none."""
    from rq.job import Job

    connection = _queues()[0].connection
    prefix = f"rq:job:{jobs.rq_job_prefix(run.pk)}"
    attempts = [
        int(key.decode().removeprefix(prefix))
        for key in connection.scan_iter(match=f"{prefix}*", count=1000)
        if key.decode().removeprefix(prefix).isdigit()
    ]
    if not attempts:
        return None
    job = Job.fetch(f"{jobs.rq_job_prefix(run.pk)}{max(attempts)}", connection=connection)
    status = job.get_status()
    return str(status.value if hasattr(status, "value") else status)


def requeue_lost_runs() -> int:
    lost = list(JobRun.objects.filter(status=RunStatus.NOT_QUEUED))
    old_queued = JobRun.objects.filter(
        status=RunStatus.QUEUED,
        queue__in=list(settings.RQ_QUEUES),
        created_at__lt=timezone.now() - QUEUED_GRACE,
    )
    lost += [run for run in old_queued if _rq_status(run) is None]
    for run in lost:
        JobRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, error="")
        jobs.dispatch(run.pk)
    return len(lost)


def enqueue_due_retries() -> int:
    """Do a scheduler's work once for the queues no living scheduler holds (RQ's own lock per
    queue, so this never works beside one); returns how many due jobs it moved."""
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler
    from rq.utils import current_timestamp

    connection = _queues()[0].connection
    scheduler = RQScheduler(list(settings.RQ_QUEUES), connection=connection)
    try:
        held = scheduler.acquire_locks()
        due = sum(
            len(
                ScheduledJobRegistry(name, connection=connection).get_jobs_to_schedule(
                    current_timestamp()
                )
            )
            for name in held
        )
        if held:
            scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()
    return due
