"""A scene run's Retry takes over batches shown running whose worker is gone (their claim in
RQ's started-job registry expired or was never there), not those a living worker holds."""

from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from curation.core import reaper
from curation.core.jobs import WORKER_DIED
from curation.core.models import JobRun, RunStatus
from curation.scenes import services


@pytest.mark.django_db(transaction=True)
def test_retry_takes_over_batches_whose_worker_is_gone(settings, start_run):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("gpu")
    queue.connection.flushdb()
    run = start_run(per_job=2)
    orphan, alive, waiting = [batch.job for batch in run.batches.order_by("start")]
    long_ago = timezone.now() - timedelta(minutes=10)
    JobRun.objects.filter(pk__in=[orphan.pk, alive.pk]).update(
        status=RunStatus.RUNNING, started_at=long_ago
    )
    registry = queue.started_job_registry
    future = timezone.now().timestamp() + 60
    queue.connection.zadd(registry.key, {f"run-{alive.pk}-0:execution": future})

    assert services.scene_run_retry_failed(run) == 1

    orphan.refresh_from_db()
    assert orphan.status == RunStatus.FAILED and orphan.error.startswith(WORKER_DIED)
    batches = {batch.start: batch.job for batch in run.batches.all()}
    replacement = batches[0]
    assert replacement.pk != orphan.pk and replacement.status == RunStatus.QUEUED
    assert batches[2].pk == alive.pk and batches[4].pk == waiting.pk
    assert JobRun.objects.get(pk=alive.pk).status == RunStatus.RUNNING
    assert services.scene_run_retry_failed(run) == 0
    # The reaper leaves a taken-over batch alone: its replacement does the work.
    assert orphan.pk not in {item.run_id for item in reaper.reap()}
    assert JobRun.objects.get(pk=orphan.pk).status == RunStatus.FAILED
