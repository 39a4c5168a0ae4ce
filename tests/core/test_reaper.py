"""The reaper: runs whose worker died are failed with the reason, or queued again."""

import os
import socket
import subprocess

import pytest
from django.core.management import call_command
from django_rq import get_queue
from rq.job import Job

from curation.core import reaper
from curation.core.jobs import start_job
from curation.core.models import JobRun, RunStatus

HOST = socket.gethostname()

COUNT_TO = "tests.core.jobs_fixtures.count_to"


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _running(pid, *, kind="test", attempts=1, host=HOST, **fields) -> JobRun:
    return JobRun.objects.create(
        kind=kind,
        title="a run",
        function="tests.core.jobs_fixtures.count_to",
        params={"n": 2},
        status=RunStatus.RUNNING,
        attempts=attempts,
        host=host,
        pid=pid,
        **fields,
    )


@pytest.mark.django_db
def test_a_run_whose_process_died_is_failed_with_the_reason(dead_pid, capsys):
    run = _running(dead_pid)

    call_command("reap")

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert f"its process ({dead_pid} on {HOST}) stopped" in run.error
    assert "1 runs settled" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_run_safe_to_repeat_is_run_again(dead_pid, settings):
    settings.REAPER_REQUEUE_KINDS = ["test"]
    run = _running(dead_pid)

    [reaped] = reaper.reap()

    run.refresh_from_db()
    assert reaped.requeued and run.status == RunStatus.SUCCEEDED
    assert (run.attempts, run.result, run.pid) == (2, {"counted": 2}, os.getpid())


@pytest.mark.django_db
def test_a_run_is_not_repeated_past_the_attempt_limit(dead_pid, settings):
    settings.REAPER_REQUEUE_KINDS, settings.REAPER_MAX_ATTEMPTS = ["test"], 3
    run = _running(dead_pid, attempts=3)

    [reaped] = reaper.reap()

    run.refresh_from_db()
    assert not reaped.requeued and run.status == RunStatus.FAILED


@pytest.mark.django_db
def test_live_processes_and_other_machines_runs_are_left_alone(dead_pid):
    alive = _running(os.getpid())
    elsewhere = _running(dead_pid, host="another-machine")

    assert reaper.reap() == []
    assert {alive.status, elsewhere.status} == {RunStatus.RUNNING}


@pytest.mark.django_db
def test_a_run_that_was_never_started_is_settled_after_the_grace(settings):
    settings.REAPER_REQUEUE_KINDS = ["test"]
    run = start_job(
        "tests.core.jobs_fixtures.count_to", kind="test", title="lost", params={"n": 1}
    )  # never dispatched
    assert reaper.reap() == []

    JobRun.objects.filter(pk=run.pk).update(created_at=run.created_at - reaper.QUEUED_GRACE)
    [reaped] = reaper.reap()

    run.refresh_from_db()
    assert "never started" in reaped.reason and run.status == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_on_rq_a_run_whose_job_vanished_is_queued_again(
    settings, django_capture_on_commit_callbacks
):
    settings.JOBS_MODE = "rq"
    settings.REAPER_REQUEUE_KINDS = ["test"]
    queue = get_queue("default")
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        run = start_job(
            "tests.core.jobs_fixtures.count_to", kind="test", title="rq", params={"n": 1}
        )
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1)
    assert reaper.reap() == []  # its job is still in Redis

    Job.fetch(f"run-{run.pk}-0", connection=queue.connection).delete()  # kill -9, then lost
    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues on commit
        [reaped] = reaper.reap()

    run.refresh_from_db()
    assert "gone from Redis" in reaped.reason and reaped.requeued, run.error
    assert Job.fetch(f"run-{run.pk}-1", connection=queue.connection).get_status() == "queued"
    queue.empty()


@pytest.mark.django_db
def test_on_rq_a_run_whose_job_rq_failed_is_failed(settings, django_capture_on_commit_callbacks):
    settings.JOBS_MODE = "rq"
    queue = get_queue("default")
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        run = start_job(
            "tests.core.jobs_fixtures.count_to", kind="test", title="rq", params={"n": 1}
        )
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1)
    job = Job.fetch(f"run-{run.pk}-0", connection=queue.connection)
    job.set_status("failed")  # what RQ records when a work-horse is killed

    [reaped] = reaper.reap()

    run.refresh_from_db()
    assert "RQ reports its job failed" in run.error and run.status == RunStatus.FAILED
    queue.empty()
