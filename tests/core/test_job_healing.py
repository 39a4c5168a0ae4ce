"""A JobRun follows RQ's verdict: retrying, failed after a dead worker, queued again after a
Redis outage; the RQ admin pages and the run's Retry never answer 500. Real Redis."""

import time

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_rq import get_queue, get_worker
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from curation.core import job_sweep
from curation.core.jobs import ENQUEUE_FAILED, WORKER_DIED, start_job
from curation.core.models import RunStatus
from curation.core.roles import ROLES

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
    """The sweep moves a due retry onto its queue when no scheduler does."""
    run = _start("crash", retries=1)
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING and not run.is_finished
    assert run.error.startswith("RuntimeError: boom") and "Retrying (1 left)" in run.error
    scheduled = ScheduledJobRegistry(queue=rq_mode)
    assert scheduled.get_job_ids() == [f"run-{run.pk}-0"]
    time.sleep(6)
    # No worker runs a scheduler here: the sweep does its work.
    assert job_sweep.sweep()["retries_due"] == 1 and rq_mode.count == 1
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (RunStatus.FAILED, 2, "RuntimeError: boom")


@pytest.mark.django_db(transaction=True)
def test_a_dead_worker_fails_the_run_with_a_named_reason_and_retry_finishes_it(
    rq_mode, client, django_user_model
):
    run = _start("count_to", n=2)
    _claim_without_running(rq_mode)
    assert job_sweep.sweep()["abandoned"] == 1
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, WORKER_DIED)
    assert job_sweep.sweep() == {"abandoned": 0, "settled": 0, "requeued": 0, "retries_due": 0}

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
    job_sweep.sweep()
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING and run.error.startswith(WORKER_DIED)


@pytest.mark.django_db(transaction=True)
def test_a_run_redis_never_got_is_queued_by_the_sweep_once(rq_mode, settings):
    good = dict(settings.RQ_QUEUES)
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in good}
    run = _start("count_to", n=1)
    run.refresh_from_db()
    assert run.status == RunStatus.NOT_QUEUED and run.error.startswith(ENQUEUE_FAILED)
    settings.RQ_QUEUES = good
    assert job_sweep.sweep()["requeued"] == 1
    assert job_sweep.sweep()["requeued"] == 0
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
    job_sweep.sweep()
    assert client.post(url).status_code == 302
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_migrate_creates_the_role_groups():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
