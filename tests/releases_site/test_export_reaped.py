"""An export run the reaper gives up on leaves its release failed with the reason, not
"building" for ever."""

import subprocess

import pytest

from curation.core import reaper
from curation.core.models import RunStatus
from curation.releases import services
from curation.releases.models import ReleaseStatus


@pytest.mark.django_db
def test_an_export_given_up_by_the_reaper_fails_its_release(tmp_path, settings):
    settings.REAPER_MAX_ATTEMPTS = 1
    release = services.release_prepare(
        version="0.1.0", seed=7, preset="demo", destination=str(tmp_path / "out")
    )
    run = services.release_export_start(release)  # queued: on_commit does not run here
    process = subprocess.Popen(["true"])
    process.wait()
    run.status, run.attempts, run.pid = RunStatus.RUNNING, 1, process.pid
    run.host = reaper.socket.gethostname()[:100]
    run.save()

    [reaped] = reaper.reap()

    release.refresh_from_db()
    assert not reaped.requeued
    assert release.status == ReleaseStatus.FAILED
    assert "The worker stopped" in release.error and "run the export again" in release.error
