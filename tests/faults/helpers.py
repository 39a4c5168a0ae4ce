"""Shared by the fault-injection tests: run a step in a process killed at checkpoint N,
spread the kill points, restart and reap, report the figure."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from curation.core import reaper
from curation.core.models import JobRun, RunStatus

KILLER = Path(__file__).with_name("killed.py")
KILL_POINTS = 20


def fault_env(settings, tmp_path) -> dict:
    """The environment of a killed process: this test's database and media folder."""
    if connection.vendor != "postgresql":
        pytest.fail("fault injection needs PostgreSQL: the killed process shares its database")
    db = connection.settings_dict
    host = f"{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"postgres://{host}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PHOTO_MAX_BYTES": str(settings.PHOTO_MAX_BYTES),
        "FAULT_PHOTO": str(tmp_path / "photo.jpg"),
        "FAULT_RESPONSES": str(tmp_path / "responses.jsonl"),
    }


def killed(limit: int, step: str, argument: int | str, env: dict) -> int | None:
    """Run the step, dying at checkpoint `limit` (0: never); the checkpoints it passed."""
    done = subprocess.run(
        [sys.executable, str(KILLER), str(limit), step, str(argument)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 137), done.stderr[-2000:]
    return int(done.stdout.split()[-1]) if done.returncode == 0 else None


def kill_points(total: int) -> list[int]:
    return sorted(
        {round(1 + index * (total - 1) / (KILL_POINTS - 1)) for index in range(KILL_POINTS)}
    )


def restart_and_reap() -> None:
    """What a restart finds some minutes later: the reaper settles the dead runs."""
    lost = JobRun.objects.filter(status=RunStatus.QUEUED)
    lost.update(created_at=timezone.now() - reaper.QUEUED_GRACE)
    reaper.reap()


def report(flow: str, outcomes: dict[int, list[str]], record_property) -> None:
    survived = sum(not problems for problems in outcomes.values())
    line = f"{flow}: kill points survived: {survived} of {len(outcomes)}"
    print(line)
    record_property(flow, line)
    assert {point: problems for point, problems in outcomes.items() if problems} == {}
    assert len(outcomes) >= KILL_POINTS - 1
