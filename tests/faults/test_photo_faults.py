"""Fault injection: kill the worker, or the web process, at 20 points while a photo is
received and cleaned; restart, run the reaper and the cleanup; nothing is lost or stuck.

Each kill point is a separate process (tests/faults/killed.py) that dies with os._exit
at its N-th call of the project's code, spread evenly over one undisturbed run. After
each: no run is left queued or running, the photo is stored for review with exactly the
bytes an undisturbed run gives, and no raw upload is left on disk.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from benchmark import photos
from curation.core import jobs, reaper, storage
from curation.core import services as core_services
from curation.core.models import JobRun, RunStatus
from curation.volunteers import services
from curation.volunteers.models import PacketStatus
from tests.volunteers.helpers import photo_with_metadata

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

KILLER = Path(__file__).with_name("killed.py")
KILL_POINTS = 20
SCENARIOS = ("hiring", "verification", "finance", "open")


@pytest.fixture
def fault_env(settings, tmp_path) -> dict:
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
    }


@pytest.fixture
def packets(transactional_db):
    """A fresh packet for each kill point (one per probe identity and scenario)."""
    core_services.identities_create_pools(memorisation=1, probe=6, seed=5)
    made = iter(
        services.packets_create_batch(scenario=scenario, count=1, user=None).packets.get()
        for _ in range(6)
        for scenario in SCENARIOS
    )
    return lambda: next(made)


def _killed(limit: int, step: str, argument: int, env: dict) -> int | None:
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


def _kill_points(total: int) -> list[int]:
    return sorted(
        {round(1 + index * (total - 1) / (KILL_POINTS - 1)) for index in range(KILL_POINTS)}
    )


def _restart_and_reap() -> None:
    """What a restart finds some minutes later: the reaper settles the dead runs."""
    lost = JobRun.objects.filter(status=RunStatus.QUEUED)
    lost.update(created_at=timezone.now() - reaper.QUEUED_GRACE)
    reaper.reap()


def _photo(index: int, env: dict) -> tuple[bytes, str]:
    data = photo_with_metadata(colour=((40 + 9 * index) % 256, 90, (160 - 5 * index) % 256))
    Path(env["FAULT_PHOTO"]).write_bytes(data)
    return data, photos.clean_photo(data, declared_type="image/jpeg").sha256


def _send_again_if_refused(packet, data: bytes) -> None:
    """The volunteer saw no answer (or a refusal) and sends the photo again."""
    packet.refresh_from_db()
    if packet.accepts_upload:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = services.upload_start(
            packet, declared_type="image/jpeg", declared_size=None, local_url="/"
        ).upload
        content = SimpleUploadedFile("phone.jpg", data, "image/jpeg")
        services.upload_receive_file(
            packet, upload_uuid=str(upload.uuid), content=content, user=None
        )


def _problems(packet, expected_sha256: str) -> list[str]:
    call_command("cleanup")
    packet.refresh_from_db()
    problems = []
    stuck = JobRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    if stuck.exists():
        problems.append(f"runs stuck: {list(stuck.values_list('status', 'error'))}")
    if packet.status != PacketStatus.IN_REVIEW:
        problems.append(f"packet {packet.status}: {packet.rejection_reason}")
    else:
        image = packet.current_upload.image
        if storage.sha256_hex(storage.read_bytes(image.file.name)) != expected_sha256:
            problems.append("stored photo differs from an undisturbed run")
    raw = Path(storage.local_path("uploads/raw"))
    left = [path.name for path in raw.rglob("*") if path.is_file()] if raw.exists() else []
    if left:
        problems.append(f"raw uploads left: {left}")
    return problems


def _report(flow: str, outcomes: dict[int, list[str]], record_property) -> None:
    survived = sum(not problems for problems in outcomes.values())
    line = f"{flow}: kill points survived: {survived} of {len(outcomes)}"
    print(line)
    record_property(flow, line)
    assert {point: problems for point, problems in outcomes.items() if problems} == {}
    assert len(outcomes) >= KILL_POINTS - 1


def test_killing_the_worker_while_it_cleans_a_photo(
    packets, fault_env, monkeypatch, record_property
):
    outcomes, points = {}, None
    for index in range(KILL_POINTS + 1):
        packet = packets()
        data, expected = _photo(index, fault_env)
        upload = services.upload_start(
            packet, declared_type="image/jpeg", declared_size=None, local_url="/"
        ).upload
        storage.replace_bytes(upload.raw_key, data)
        with monkeypatch.context() as queue_only:  # queued for the worker, not run here
            queue_only.setattr(jobs, "dispatch", lambda *args, **kwargs: None)
            upload = services.upload_received(packet, raw_key=upload.raw_key, user=None)
        point = points.pop(0) if points else 0
        passed = _killed(point, "execute", upload.run_id, fault_env)
        if points is None:
            points = _kill_points(passed)
        _restart_and_reap()
        if point:
            outcomes[point] = _problems(packet, expected)
        else:
            assert _problems(packet, expected) == []
        if not points and point:
            break
    _report("photo worker", outcomes, record_property)


def test_killing_the_web_process_while_it_receives_and_cleans_a_photo(
    packets, fault_env, record_property
):
    outcomes, points = {}, None
    for index in range(KILL_POINTS + 1):
        packet = packets()
        data, expected = _photo(100 + index, fault_env)
        point = points.pop(0) if points else 0
        passed = _killed(point, "upload", packet.pk, fault_env)
        if points is None:
            points = _kill_points(passed)
        _restart_and_reap()
        _send_again_if_refused(packet, data)
        if point:
            outcomes[point] = _problems(packet, expected)
        else:
            assert _problems(packet, expected) == []
        if not points and point:
            break
    _report("photo web process", outcomes, record_property)
