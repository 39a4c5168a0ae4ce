import pytest
from django_rq import get_queue, get_worker
from rq import SimpleWorker

from curation.core.jobs import ENQUEUE_FAILED, run_now, start_job
from curation.core.models import JobRun, RunStatus

FIXTURES = "tests.core.jobs_fixtures"


def _start(name, **params):
    return start_job(f"{FIXTURES}.{name}", kind="test", title="test run", params=params)


@pytest.mark.django_db
def test_it_runs_inline_and_records_progress(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = _start("count_to", n=3)
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.result) == (
        RunStatus.SUCCEEDED,
        3,
        3,
        {"counted": 3},
    )
    assert run.started_at <= run.finished_at


@pytest.mark.django_db
def test_it_records_the_reason_of_a_refusal(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = _start("refuse", reason="Model folder not found: set SCENES_MODEL.")
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "Model folder not found: set SCENES_MODEL."


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_without_breaking_the_request(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        run = _start("crash")
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "RuntimeError: boom"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_goes_through_redis_and_a_worker(settings):
    settings.JOBS_MODE = "rq"
    queue = get_queue("default")
    queue.empty()
    run = _start("count_to", n=2)
    assert JobRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    assert queue.count == 1
    get_worker("default", worker_class=SimpleWorker).work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.result == {"counted": 2}


@pytest.mark.django_db(transaction=True)
def test_a_dead_redis_leaves_the_run_unqueued_with_a_named_message(settings):
    settings.JOBS_MODE = "rq"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 5}}
    run = _start("count_to", n=1)
    run.refresh_from_db()
    assert run.status == RunStatus.NOT_QUEUED and not run.is_finished
    assert run.error.startswith(ENQUEUE_FAILED)


@pytest.mark.django_db
def test_run_now_executes_in_this_process_and_keeps_the_record():
    run = run_now(f"{FIXTURES}.count_to", kind="test", title="now", params={"n": 4})
    assert (run.status, run.done, run.result, run.queue) == (
        RunStatus.SUCCEEDED,
        4,
        {"counted": 4},
        "inline",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "tests.core.jobs_fixtures.count_too",  # a typo in the function
        "tests.core.job_fixtures.count_to",  # a typo in the module
        "count_to",  # no module at all
        "tests.core.jobs_fixtures.__doc__",  # importable, not a function
        "",
    ],
)
def test_a_bad_job_name_fails_at_the_call_site_and_records_nothing(name):
    with pytest.raises(ValueError, match="job"):
        start_job(name, kind="test", title="typo")
    with pytest.raises(ValueError, match="job"):
        run_now(name, kind="test", title="typo")
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_a_function_object_is_refused_for_a_name():
    from tests.core.jobs_fixtures import count_to

    with pytest.raises(ValueError, match="dotted path"):
        start_job(count_to, kind="test", title="object")
