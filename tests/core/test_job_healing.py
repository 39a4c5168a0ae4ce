"""A JobRun follows RQ's verdict: retrying, failed after a dead worker, queued again after a
Redis outage (`manage.py reap`); the RQ admin pages and the run's Retry never answer 500.
Real Redis."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django_rq import get_queue, get_worker
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from curation.core import reaper
from curation.core.jobs import ENQUEUE_FAILED, WORKER_DIED, start_job
from curation.core.models import JobRun, RunStatus
from curation.core.roles import ROLES
from tests.core import jobs_fixtures

FIXTURES = "tests.core.jobs_fixtures"


def _start(name, retries=0, **params):
    return start_job(
        f"{FIXTURES}.{name}", kind="test", title="test run", params=params, retries=retries
    )


@pytest.fixture
def rq_mode(settings):
    settings.JOBS_MODE = "rq"
    for name in settings.RQ_QUEUES:
        get_queue(name).connection.flushdb()
    return get_queue("default")


def _older_than_the_grace(run):
    JobRun.objects.filter(pk=run.pk).update(created_at=run.created_at - reaper.QUEUED_GRACE)


def _claim_without_running(queue):
    """A worker takes the job and dies at once: the job is held as started, its claim old."""
    worker = get_worker("default", worker_class=SimpleWorker)
    job, _ = queue.dequeue_any([queue], None, connection=queue.connection)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    registry = queue.started_job_registry
    for entry in queue.connection.zrange(registry.key, 0, -1):
        queue.connection.zadd(registry.key, {entry: 1})
    return job


@pytest.mark.django_db(transaction=True)
def test_an_error_with_retries_left_shows_retrying_then_failed_when_they_run_out(rq_mode):
    """The reaper moves a due retry onto its queue when no scheduler does."""
    run = _start("crash", retries=1)
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING and not run.is_finished
    assert run.error.startswith("RuntimeError: boom") and "Retrying (1 left)" in run.error
    scheduled = ScheduledJobRegistry(queue=rq_mode)
    assert scheduled.get_job_ids() == [f"run-{run.pk}-0"]
    rq_mode.connection.zadd(scheduled.key, {f"run-{run.pk}-0": 1})  # its delay is over
    # No worker runs a scheduler here: the reaper does its work.
    assert reaper.reap() == [] and rq_mode.count == 1
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (RunStatus.FAILED, 2, "RuntimeError: boom")


@pytest.mark.django_db(transaction=True)
def test_a_dead_worker_fails_the_run_with_a_named_reason_and_retry_finishes_it(
    rq_mode, client, django_user_model
):
    run = _start("count_to", n=2)
    _claim_without_running(rq_mode)
    assert reaper.reap() == []  # RQ's verdict, recorded by its callback
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, WORKER_DIED)
    assert reaper.reap() == []
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, WORKER_DIED)

    maintainer = django_user_model.objects.create_superuser("boss", "b@example.org", "pw")
    client.force_login(maintainer)
    response = client.post(reverse("curation:run-retry", args=[run.pk]))
    assert response.status_code == 302
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert (run.status, run.result) == (RunStatus.SUCCEEDED, {"counted": 2})
    again = client.post(reverse("curation:run-retry", args=[run.pk]), follow=True)
    assert "Only a failed run can be retried" in again.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_dead_worker_with_retries_left_shows_retrying(rq_mode):
    run = _start("count_to", retries=2, n=1)
    _claim_without_running(rq_mode)
    reaper.reap()
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING and run.error.startswith(WORKER_DIED)


@pytest.mark.django_db(transaction=True)
def test_a_run_redis_never_got_is_queued_by_the_reaper_once_after_the_grace(rq_mode, settings):
    good = dict(settings.RQ_QUEUES)
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in good}
    run = _start("count_to", n=1)
    run.refresh_from_db()
    assert run.status == RunStatus.NOT_QUEUED and run.error.startswith(ENQUEUE_FAILED)
    settings.RQ_QUEUES = good
    assert reaper.reap() == []  # it may still be on its way
    _older_than_the_grace(run)
    [reaped] = reaper.reap()
    assert reaped.requeued and "Redis never got its job" in reaped.reason
    assert reaper.reap() == []
    assert rq_mode.count == 1
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_requeueing_a_started_job_in_the_rq_admin_says_why_instead_of_500(
    rq_mode, client, django_user_model, settings
):
    run = _start("count_to", n=1)
    job = _claim_without_running(rq_mode)
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    client.force_login(admin)
    queue_index = list(settings.RQ_QUEUES).index("default")
    url = f"/admin/django-rq/queues/{queue_index}/{job.id}/requeue/"
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "only a failed job can be requeued" in response.content.decode()
    reaper.reap()
    assert client.post(url).status_code == 302
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_whose_job_redis_lost_is_queued_again(rq_mode):
    run = _start("count_to", n=1)
    rq_mode.connection.flushdb()  # Redis restarted without its data
    assert reaper.reap() == []
    _older_than_the_grace(run)
    [reaped] = reaper.reap()
    assert reaped.requeued and rq_mode.count == 1
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_killed_work_horse_whose_job_rq_rescheduled_shows_retrying(rq_mode):
    """RQ reschedules the job of a killed work-horse without calling back: the run would say
    "running" for ever."""
    run = _start("count_to", retries=1, n=1)
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1)
    Job.fetch(f"run-{run.pk}-0", connection=rq_mode.connection).set_status("scheduled")
    assert reaper.reap() == []
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING and run.error.startswith(WORKER_DIED)


@pytest.mark.django_db(transaction=True)
def test_a_kind_safe_to_repeat_is_queued_again_when_rq_failed_it_for_a_dead_worker(
    rq_mode, settings
):
    settings.REAPER_REQUEUE_KINDS = ["test"]
    run = _start("count_to", n=3)
    _claim_without_running(rq_mode)
    [reaped] = reaper.reap()
    assert reaped.requeued and reaped.reason == reaper.ADOPTED_REASON
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and "Queued again" in run.error
    assert reaper.reap() == []
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert (run.status, run.result) == (RunStatus.SUCCEEDED, {"counted": 3})


@pytest.mark.django_db(transaction=True)
def test_past_the_attempt_limit_the_run_fails_and_its_hook_settles_the_leftovers(
    rq_mode, settings, monkeypatch
):
    settings.REAPER_REQUEUE_KINDS, settings.REAPER_MAX_ATTEMPTS = ["test"], 1
    monkeypatch.setitem(reaper.ABANDONED_HOOKS, "test", f"{FIXTURES}.note_abandoned")
    run = _start("count_to", n=1)
    JobRun.objects.filter(pk=run.pk).update(attempts=1)
    _claim_without_running(rq_mode)
    [reaped] = reaper.reap()
    run.refresh_from_db()
    assert not reaped.requeued and run.status == RunStatus.FAILED
    assert run.error.startswith("The worker stopped") and jobs_fixtures.ABANDONED.count(run.pk) == 1
    assert reaper.reap() == [] and jobs_fixtures.ABANDONED.count(run.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_reap_every_keeps_going_when_a_pass_fails(monkeypatch):
    """Production runs `reap --every 60`: Redis or the database away fails one pass only."""
    from curation.core.management.commands import reap as command

    passes = iter([ConnectionError("Redis away"), [reaper.Reaped(7, "gone", True)]])

    def one_pass():
        outcome = next(passes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt  # systemd's stop

    monkeypatch.setattr(command.reaper, "reap", one_pass)
    monkeypatch.setattr(command.time, "sleep", sleep)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("reap", every=5, stdout=out, stderr=err)
    assert sleeps == [5, 5]
    assert "reap pass failed (ConnectionError: Redis away)" in err.getvalue()
    assert "run 7: gone; queued again" in out.getvalue()


RQ_ADMIN = "/admin/django-rq/"
# Pages of django-rq's admin that take a queue index (99: no such queue), a worker key or a
# scheduler index.
NOWHERE = [
    "queues/99/",
    "queues/99/details/",
    "queues/99/failed/",
    "queues/99/started/",
    "queues/99/scheduled/",
    "queues/99/run-1-0/",
    "queues/99/run-1-0/requeue/",
    "workers/99/",
    "workers/0/no-such-worker/",
    "workers/0/rq:worker:nobody/",
    "schedulers/0/",
]


@pytest.fixture
def rq_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("rqadmin", "r@example.org", "pw")
    client.force_login(admin)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("page", NOWHERE)
def test_an_rq_admin_page_for_nothing_is_a_404(rq_mode, rq_admin, page):
    response = rq_admin.get(RQ_ADMIN + page)
    assert response.status_code == 404, page


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["", "queues/0/", "queues/0/failed/", "workers/0/"])
def test_the_rq_admin_says_so_when_redis_is_down(rq_admin, settings, page):
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.RQ_QUEUES}
    response = rq_admin.get(RQ_ADMIN + page)
    assert response.status_code == 503, page
    assert "The job service (Redis) is not answering" in response.content.decode()
    assert response["Retry-After"]


@pytest.mark.django_db
def test_migrate_creates_the_role_groups():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
