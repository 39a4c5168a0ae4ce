"""Fault injection: kill the worker, or the web process, at 20 points while a responses
file is uploaded and scored; restart, run the reaper (and the orphan cleanup); nothing is
stuck, half-written or lost.

Each kill point is a separate process (tests/faults/killed.py) that dies with os._exit
at its N-th call of the project's code, spread evenly over one undisturbed run. After
each: no run or response set is left queued, running or scoring; the upload is scored
once, with outputs byte-identical to an undisturbed run's; no stored file is left that
no response set records.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from curation.core import jobs, storage
from curation.core.models import JobRun, RunStatus
from curation.releases.models import Release
from curation.scoring import services
from curation.scoring.models import ResponseSet, ScoringStatus
from tests.faults import helpers
from tests.scoring_site.conftest import jsonl, leaky_lines, published_release

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

RESPONSES = jsonl(leaky_lines())


@pytest.fixture
def fault_env(settings, tmp_path) -> dict:
    env = helpers.fault_env(settings, tmp_path)
    Path(env["FAULT_RESPONSES"]).write_bytes(RESPONSES)
    return env


@pytest.fixture
def release(transactional_db, tmp_path) -> Release:
    return published_release(tmp_path / "release-0.1.0")


def _outputs(response_set: ResponseSet) -> dict[str, bytes]:
    return {name: storage.read_bytes(stored) for name, stored in response_set.outputs.items()}


def _unrecorded_files() -> list[str]:
    recorded = {name for name, _ in ResponseSet.objects.values_list("file", "outputs")}
    for outputs in ResponseSet.objects.values_list("outputs", flat=True):
        recorded.update(outputs.values())
    stored = storage.names_under("scoring/") + storage.names_under("responses/")
    return sorted(set(stored) - recorded)


def _problems(new_sets, reference: dict[str, bytes]) -> list[str]:
    problems = []
    stuck = JobRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    if stuck.exists():
        problems.append(f"runs stuck: {list(stuck.values_list('status', 'error'))}")
    if len(new_sets) != 1:
        problems.append(f"{len(new_sets)} response sets for one upload")
    for response_set in new_sets:
        if response_set.status != ScoringStatus.SCORED:
            problems.append(f"set {response_set.status}: {response_set.error}")
        elif _outputs(response_set) != reference:
            problems.append("outputs differ from an undisturbed run's")
        outputs = set(storage.names_under(services.outputs_prefix(response_set.pk)))
        if outputs != set(response_set.outputs.values()):
            problems.append(f"unrecorded outputs: {outputs - set(response_set.outputs.values())}")
    # What an upload stored before its row: the hourly cleanup removes it once it is old.
    later = timezone.now() + timedelta(hours=settings.SCORING_ORPHAN_HOURS, minutes=1)
    services.scoring_orphans_cleanup(now=later)
    if _unrecorded_files():
        problems.append(f"files left after cleanup: {_unrecorded_files()}")
    return problems


def _kill_everywhere(flow: str, attempt, record_property) -> None:
    """`attempt(point)` runs the flow killed at checkpoint `point` (0: never) and returns
    the response sets it made and the checkpoints passed; the first, undisturbed run
    gives the reference outputs and spreads the kill points."""
    new_sets, passed = attempt(0)
    assert _problems(new_sets, _outputs(new_sets[0])) == []
    reference = _outputs(new_sets[0])
    outcomes = {}
    for point in helpers.kill_points(passed):
        new_sets, _ = attempt(point)
        outcomes[point] = _problems(new_sets, reference)
    helpers.report(flow, outcomes, record_property)


def _sets_after(last_pk: int) -> list[ResponseSet]:
    return list(ResponseSet.objects.filter(pk__gt=last_pk).order_by("pk"))


def _last_pk() -> int:
    return ResponseSet.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_killing_the_worker_while_it_scores_a_responses_file(
    release, fault_env, monkeypatch, record_property
):
    def attempt(point: int):
        last = _last_pk()
        with monkeypatch.context() as queue_only:  # queued for the worker, not run here
            queue_only.setattr(jobs, "dispatch", lambda *args, **kwargs: None)
            response_set = services.response_set_upload(release=release, data=RESPONSES)
        passed = helpers.killed(point, "execute", response_set.run_id, fault_env)
        helpers.restart_and_reap()
        return _sets_after(last), passed

    _kill_everywhere("scoring worker", attempt, record_property)


def test_killing_the_web_process_while_it_receives_and_scores_a_responses_file(
    release, fault_env, record_property
):
    def attempt(point: int):
        last = _last_pk()
        passed = helpers.killed(point, "score-upload", release.pk, fault_env)
        helpers.restart_and_reap()
        if not _sets_after(last):  # nothing recorded: the maintainer uploads it again
            services.response_set_upload(release=release, data=RESPONSES)
        return _sets_after(last), passed

    _kill_everywhere("scoring web process", attempt, record_property)
