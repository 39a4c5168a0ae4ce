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


@pytest.mark.django_db(transaction=True)
def test_a_release_is_never_recorded_without_its_export_run(tmp_path, monkeypatch):
    """The web process dying between recording the release and queueing its run (here,
    the queueing raising) leaves no release "building" that nothing will build."""
    from curation.core.models import JobRun
    from curation.releases.models import Release

    def dies(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(services, "release_export_start", dies)
    with pytest.raises(SystemExit):
        services.release_start(
            version="0.1.0", seed=7, preset="demo", destination=str(tmp_path / "out")
        )
    assert not Release.objects.exists() and not JobRun.objects.exists()

    monkeypatch.undo()
    release = services.release_start(
        version="0.1.0", seed=7, preset="demo", destination=str(tmp_path / "out")
    )
    run = JobRun.objects.get(kind="export")
    assert release.status == ReleaseStatus.BUILDING and run.params == {"release_id": release.pk}
