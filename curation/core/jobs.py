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
    run = _create_run(func, kind=kind, title=title, params=params, queue=queue, user=user)
    transaction.on_commit(lambda: dispatch(run.pk, retries=retries))
    return run


def run_now(func: str, *, kind: str, title: str, params: dict | None = None, user=None) -> JobRun:
    """Record a run and execute it in this process, now (management commands)."""
    run = _create_run(func, kind=kind, title=title, params=params, queue="inline", user=user)
    _execute_quietly(run.pk)
    run.refresh_from_db()
    return run


def _create_run(func: str, *, kind, title, params, queue, user) -> JobRun:
    return JobRun.objects.create(
        kind=kind,
        title=title,
        function=job_function_name(func),
        params=params or {},
        queue=queue,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def dispatch(run_id: int, retries: int = 0) -> None:
    mode = settings.JOBS_MODE
    if mode == "rq":
        _enqueue_rq(run_id, retries)
    elif mode == "thread":
        threading.Thread(target=_execute_in_thread, args=(run_id,), daemon=True).start()
    else:
        _execute_quietly(run_id)


def _enqueue_rq(run_id: int, retries: int) -> None:
    import django_rq
    from rq import Retry

    run = JobRun.objects.get(pk=run_id)
    retry = Retry(max=retries, interval=[5, 30, 120][:retries] or 0) if retries else None
    try:
        django_rq.get_queue(run.queue).enqueue(
            execute, run_id, retry=retry, job_id=f"run-{run_id}-{run.attempts}"
        )
    except Exception as error:  # Redis unreachable: say so on the run instead of hiding it.
        _finish(run, RunStatus.FAILED, error=f"Could not queue the job (is Redis up?): {error}")


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
        result = _load(run.function)(run, **run.params)
    except JobFailed as error:
        _finish(run, RunStatus.FAILED, error=str(error))
        return
    except Exception as error:
        log.exception("job run %s failed", run_id)
        _finish(run, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    _finish(run, RunStatus.SUCCEEDED, result=result or {})


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
