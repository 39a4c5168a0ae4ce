"""The one mechanism for long work: a JobRun row plus RQ (or in-process) execution.

`start_job` records the run and dispatches it after the transaction commits:
to RQ when REDIS_URL is set, else in a thread (or inline in tests). Job functions
live in each app's `tasks.py`, take `(run, **params)`, call `run_progress` as they go,
and return a JSON result. They must be safe to run twice: RQ retries them.

Jobs are named by dotted path ("curation.scenes.tasks.generate_scene_batch"), never
passed as functions, so services need not import tasks (which import services); the
name is checked when the job starts, so a typo fails at the call site, not in a worker.
"""

import contextlib
import importlib
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from curation.core.models import JobRun, RunStatus

log = logging.getLogger(__name__)


# Named reasons a run shows when RQ, not the job, decided its fate.
ENQUEUE_FAILED = (
    "Not queued: the job service (Redis) did not answer; it is queued again when it is back."
)
WORKER_DIED = "The worker running this job stopped (killed, out of memory or restarted)."
STOPPED = "Stopped by hand from the RQ admin pages."
# A job's worker refreshes its claim this often; a claim this old means the worker is gone.
HEARTBEAT_S = 20
HEARTBEAT_TTL_S = 90


class JobFailed(Exception):
    """A failure with a message meant for the person watching the run."""


def start_job(
    func: str,
    *,
    kind: str,
    title: str,
    params: dict | None = None,
    queue: str = "default",
    user=None,
    retries: int = 0,
) -> JobRun:
    run = _create_run(
        func, kind=kind, title=title, params=params, queue=queue, user=user, retries=retries
    )
    transaction.on_commit(lambda: dispatch(run.pk))
    return run


def run_now(func: str, *, kind: str, title: str, params: dict | None = None, user=None) -> JobRun:
    """Record a run and execute it in this process, now (management commands)."""
    run = _create_run(func, kind=kind, title=title, params=params, queue="inline", user=user)
    _execute_quietly(run.pk)
    run.refresh_from_db()
    return run


def _create_run(func: str, *, kind, title, params, queue, user, retries=0) -> JobRun:
    return JobRun.objects.create(
        retries=retries,
        kind=kind,
        title=title,
        function=job_function_name(func),
        params=params or {},
        queue=queue,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def dispatch(run_id: int) -> None:
    mode = settings.JOBS_MODE
    if mode == "rq":
        _enqueue_rq(run_id)
    elif mode == "thread":
        threading.Thread(target=_execute_in_thread, args=(run_id,), daemon=True).start()
    else:
        _execute_quietly(run_id)


def _enqueue_rq(run_id: int) -> None:
    import django_rq
    from rq import Callback, Retry

    run = JobRun.objects.get(pk=run_id)
    retries = run.retries
    retry = Retry(max=retries, interval=[5, 30, 120][:retries] or 0) if retries else None
    try:
        django_rq.get_queue(run.queue).enqueue(
            execute,
            run_id,
            retry=retry,
            job_id=f"{rq_job_prefix(run_id)}{run.attempts}",
            on_failure=Callback(rq_job_failed),
            on_stopped=Callback(rq_job_stopped),
        )
    except Exception as error:  # Redis unreachable: say so on the run; the reaper queues it later.
        log.warning("job run %s not queued: %s", run_id, error)
        run.status, run.error = RunStatus.NOT_QUEUED, f"{ENQUEUE_FAILED} ({error})"
        run.save(update_fields=["status", "error"])


def rq_job_prefix(run_id: int) -> str:
    """Every RQ job of a run has an id starting with this (one per dispatch)."""
    return f"run-{run_id}-"


def rq_job_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's verdict on a job that raised or whose worker died (AbandonedJobError): retrying
    when RQ will run it again, else failed, with the reason."""
    from rq.exceptions import AbandonedJobError

    died = exc_type is AbandonedJobError
    reason = WORKER_DIED if died else f"{exc_type.__name__}: {exc_value}"
    _record_verdict(job, reason, will_retry=bool(job.retries_left))


def rq_job_stopped(job, connection) -> None:
    _record_verdict(job, STOPPED, will_retry=False)


def _record_verdict(job, reason: str, *, will_retry: bool) -> None:
    run_id = job.args[0]
    status = RunStatus.RETRYING if will_retry else RunStatus.FAILED
    if will_retry:
        reason = f"{reason} Retrying ({job.retries_left} left)."
    JobRun.objects.filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).update(
        status=status, error=reason, finished_at=None if will_retry else timezone.now()
    )


def retry_run(run: JobRun) -> JobRun:
    """Dispatch a failed run again (its job must be safe to run twice, as every job is)."""
    if run.status != RunStatus.FAILED:
        raise ValueError(
            f"Only a failed run can be retried; this one is {run.get_status_display()}."
        )
    run.status, run.error, run.finished_at = RunStatus.QUEUED, "", None
    run.save(update_fields=["status", "error", "finished_at"])
    transaction.on_commit(lambda: dispatch(run.pk))
    return run


def _execute_in_thread(run_id: int) -> None:
    try:
        _execute_quietly(run_id)
    finally:
        close_old_connections()


def _execute_quietly(run_id: int) -> None:
    """In-process runs have no retry: the failure is already recorded on the run."""
    with contextlib.suppress(Exception):
        execute(run_id)


def execute(run_id: int) -> None:
    """Run a JobRun's function; record success or the failure's reason. Re-raises
    unexpected errors so RQ can retry them."""
    run = JobRun.objects.get(pk=run_id)
    if run.status == RunStatus.SUCCEEDED:
        return
    run.status, run.started_at, run.error = RunStatus.RUNNING, timezone.now(), ""
    run.attempts += 1
    run.host, run.pid = socket.gethostname()[:100], os.getpid()  # for the reaper
    run.save(update_fields=["status", "started_at", "error", "attempts", "host", "pid"])
    try:
        with _claim_kept_alive():
            result = _load(run.function)(run, **run.params)
    except JobFailed as error:
        _finish(run, RunStatus.FAILED, error=str(error))
        return
    except Exception as error:
        log.exception("job run %s failed", run_id)
        _finish(run, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    _finish(run, RunStatus.SUCCEEDED, result=result or {})


@contextlib.contextmanager
def _claim_kept_alive():
    """On RQ, refresh the job's claim in the started-job registry every HEARTBEAT_S from a
    thread of the process doing the work. A gpu SimpleWorker sends no heartbeats of its own
    while a job runs, so without this a dead one would hold its job for the whole job
    timeout; with it, RQ sees the job abandoned HEARTBEAT_TTL_S after the process died."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(job, stop), daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _heartbeat(job, stop: threading.Event) -> None:
    from rq.utils import now

    registry = job.started_job_registry
    while True:
        try:
            expires = now().timestamp() + HEARTBEAT_TTL_S
            for entry, _ in job.connection.zscan_iter(registry.key, match=f"{job.id}:*"):
                job.connection.zadd(registry.key, {entry: expires}, xx=True)
            job.heartbeat(now(), HEARTBEAT_TTL_S, xx=True)
        except Exception as error:  # Redis away for a moment: the next beat tries again.
            log.warning("heartbeat for %s failed: %s", job.id, error)
        if stop.wait(HEARTBEAT_S):
            return


def run_progress(run: JobRun, done: int, total: int | None = None, message: str = "") -> None:
    run.done = done
    if total is not None:
        run.total = total
    if message:
        run.message = message[:300]
    JobRun.objects.filter(pk=run.pk).update(done=run.done, total=run.total, message=run.message)


def _finish(run: JobRun, status: str, *, result: dict | None = None, error: str = "") -> None:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    if result is not None:
        run.result = result
        run.done = max(run.done, run.total)
    run.save(update_fields=["status", "error", "finished_at", "result", "done"])


def job_function_name(dotted: str) -> str:
    """`dotted` if it names a callable that can be imported; else ValueError saying why."""
    if not isinstance(dotted, str):
        raise ValueError(f"A job is named by its dotted path as a string, not {dotted!r}.")
    try:
        function = _load(dotted)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"No job function {dotted!r}: {error}") from None
    if not callable(function):
        raise ValueError(f"The job {dotted!r} is not a function.")
    return dotted


def _load(dotted: str):
    module_path, _, name = dotted.rpartition(".")
    if not module_path:
        raise ValueError("expected a dotted path such as 'curation.app.tasks.job'")
    return getattr(importlib.import_module(module_path), name)
