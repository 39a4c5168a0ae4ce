"""Fault injection: kill the worker, or the web process that takes the release form, at
20 points while a release is exported; after the reaper runs (and the maintainer sends
the form again if nothing is exporting), the release is published with exactly the files
of an undisturbed export, and no run is left running."""

import hashlib
from pathlib import Path

import pytest

from curation.core import jobs
from curation.core.jobs import start_job
from curation.core.models import JobRun, RunStatus
from curation.releases import services as release_services
from curation.releases.models import Release, ReleaseStatus
from tests.faults import helpers
from tests.releases_site.conftest import accepted_demo_set  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # 20 partial exports and 20 reruns: minutes on a busy two-core machine.
    pytest.mark.timeout(1800),
]


@pytest.fixture
def fault_env(settings, tmp_path) -> dict:
    return helpers.fault_env(settings, tmp_path)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _queued_export(out: Path, monkeypatch) -> JobRun:
    release = release_services.release_prepare(
        version="0.1.0", seed=7, preset="demo", destination=str(out), allow_simulated=True
    )
    with monkeypatch.context() as queue_only:  # queued for the worker, not run here
        queue_only.setattr(jobs, "dispatch", lambda *args, **kwargs: None)
        return start_job(
            release_services.EXPORT_JOB,
            kind="export",
            title="Export 0.1.0",
            params={"release_id": release.pk},
        )


def _problems(run: JobRun, out: Path, reference: dict) -> list[str]:
    run.refresh_from_db()
    release = Release.objects.get(destination=str(out.resolve()))
    problems = []
    if run.status != RunStatus.SUCCEEDED or release.status != ReleaseStatus.PUBLISHED:
        problems.append(f"run {run.status}, release {release.status}: {run.error}")
    elif _tree(out) != reference:
        problems.append("published files differ from an undisturbed export")
    strays = [path.name for path in out.parent.iterdir() if path.name.startswith(".")]
    if strays:
        problems.append(f"staging left behind: {strays}")
    return problems


def test_killing_the_worker_while_it_exports_a_release(
    accepted_demo_set,  # noqa: F811
    fault_env,
    monkeypatch,
    tmp_path,
    record_property,
):
    reference = tmp_path / "exports" / "reference"
    reference.parent.mkdir()
    passed = helpers.killed(0, "execute", _queued_export(reference, monkeypatch).pk, fault_env)
    expected = _tree(reference)
    outcomes = {}
    for index, point in enumerate(helpers.kill_points(passed)):
        out = tmp_path / "exports" / f"killed-{index}"
        run = _queued_export(out, monkeypatch)
        helpers.killed(point, "execute", run.pk, fault_env)
        helpers.restart_and_reap()
        outcomes[point] = _problems(run, out, expected)
    helpers.report("export worker", outcomes, record_property)


def _send_the_form_again_if_nothing_exports(out: Path) -> None:
    """What the maintainer sees after the restart: no release, or one not published with
    no run at work on it; they send the same form again."""
    release = Release.objects.filter(destination=str(out.resolve())).first()
    if release is not None and release.status == ReleaseStatus.PUBLISHED:
        return
    if release is not None:
        runs = JobRun.objects.filter(kind="export", params={"release_id": release.pk})
        assert runs.exists(), "a release was recorded with no export run to build it"
    busy = JobRun.objects.filter(kind="export", status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    assert not busy.exists(), "the reaper left an export run at work"
    release = release_services.release_prepare(
        version="0.1.0", seed=7, preset="demo", destination=str(out), allow_simulated=True
    )
    release_services.release_export_start(release, inline=True)


def test_killing_the_web_process_while_it_starts_an_export(
    accepted_demo_set,  # noqa: F811
    fault_env,
    tmp_path,
    record_property,
):
    reference = tmp_path / "exports" / "reference"
    reference.parent.mkdir()
    passed = helpers.killed(0, "export-start", str(reference), fault_env)
    expected = _tree(reference)
    outcomes = {}
    for index, point in enumerate(helpers.kill_points(passed)):
        out = tmp_path / "exports" / f"killed-{index}"
        helpers.killed(point, "export-start", str(out), fault_env)
        helpers.restart_and_reap()
        _send_the_form_again_if_nothing_exports(out)
        release = Release.objects.get(destination=str(out.resolve()))
        run = JobRun.objects.filter(kind="export", params={"release_id": release.pk}).latest("pk")
        outcomes[point] = _problems(run, out, expected)
    helpers.report("export web process", outcomes, record_property)
