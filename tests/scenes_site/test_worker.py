"""The job path with a real Redis and `manage.py rqworker gpu --burst` in its own process."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import django_rq
import pytest
from django.db import connection

from curation.core.models import RunStatus

ROOT = Path(__file__).resolve().parents[2]
WORKER = [
    sys.executable,
    "manage.py",
    "rqworker",
    "gpu",
    "--burst",
    "--worker-class",
    "rq.worker.SimpleWorker",
]


def _database_url(database: dict) -> str:
    user = quote(database["USER"] or "")
    password = f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def _worker_env(settings) -> dict:
    """The worker uses the real settings, pointed at this test's database, Redis and media."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "curation.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": settings.TEST_REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "scenes-worker-test-" + "k" * 40,
        "HF_HUB_OFFLINE": "1",
    }


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_gpu_worker_loads_the_model_once_and_fails_an_unloadable_run(
    settings, start_run, tmp_path
):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("gpu")
    queue.empty()
    good = start_run(per_job=2)
    missing = str(tmp_path / "no-such-model")
    bad = start_run(model=missing, per_job=3)
    assert queue.count == 5

    worker = subprocess.run(
        WORKER, cwd=ROOT, env=_worker_env(settings), capture_output=True, text=True, timeout=240
    )
    assert worker.returncode == 0, worker.stderr[-3000:]

    assert good.status == RunStatus.SUCCEEDED and good.scenes.count() == 6
    results = [job.result for job in good.jobs]
    assert [result["pipeline_loads_in_worker"] for result in results] == [1, 1, 1]
    assert len({result["worker_pid"] for result in results} - {os.getpid()}) == 1
    for scene in good.scenes.select_related("image"):
        image = scene.image
        assert (image.status, image.source) == ("pending", "diffusion")
        assert image.provenance["seed"] and image.provenance["model"] == good.model

    assert bad.status == RunStatus.FAILED
    errors = [job.error for job in bad.jobs]
    assert errors[0] == errors[1] and errors[0].startswith(
        f"Cannot load the diffusion model {missing!r}"
    )
    assert bad.scenes.count() == 0
