"""What a killed upload or scoring run leaves: the reaper fails a scoring run it gives up
on, with the reason; `cleanup_scoring` deletes old files that no response set records."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from curation.core import reaper, storage
from curation.core.models import RunStatus
from curation.scoring import services
from curation.scoring.models import ScoringStatus


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _age(name: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(storage.local_path(name), (then, then))


def test_a_scoring_run_given_up_fails_its_set_and_keeps_no_stray_output(
    release, responses, dead_pid, settings
):
    settings.REAPER_MAX_ATTEMPTS = 1
    response_set = services.response_set_upload(  # queued: on_commit does not run here
        release=release, data=responses.as_jsonl(responses.leaky("model-a"))
    )
    response_set.status = ScoringStatus.SCORING
    response_set.save(update_fields=["status"])
    run = response_set.run
    run.status, run.attempts, run.pid = RunStatus.RUNNING, 1, dead_pid
    run.host = reaper.socket.gethostname()[:100]
    run.save()
    stray = storage.save_bytes(f"{services.outputs_prefix(response_set.pk)}abc/summary.json", b"{")

    [reaped] = reaper.reap()

    response_set.refresh_from_db()
    assert not reaped.requeued
    assert response_set.status == ScoringStatus.FAILED
    assert (
        "The worker stopped" in response_set.error and "score the set again" in response_set.error
    )
    assert not storage.exists(stray)


def test_cleanup_scoring_deletes_old_files_no_set_records(scored, capsys, settings):
    settings.SCORING_ORPHAN_HOURS = 24
    recorded = [scored.file, *scored.outputs.values()]
    orphans = [
        storage.save_bytes(f"responses/{scored.release.pk}/killed.jsonl", b"{}\n"),
        storage.save_bytes(f"{services.outputs_prefix(scored.pk)}killed/summary.csv", b"a,b\n"),
    ]
    young = storage.save_bytes(f"{services.outputs_prefix(scored.pk)}running/summary.csv", b"")
    for name in [*recorded, *orphans]:
        _age(name, 25)

    call_command("cleanup_scoring")

    assert "2 orphaned scoring files deleted" in capsys.readouterr().out
    assert not any(storage.exists(name) for name in orphans)
    assert all(storage.exists(name) for name in [*recorded, young])
    killed_folder = Path(storage.local_path(orphans[1])).parent
    assert not killed_folder.exists(), "the run's emptied folder goes too"
    assert killed_folder.parent.is_dir(), "its parent still holds a young run"
