"""Fault injection: kill the worker, or the web process, at 20 points while a photo is
received and cleaned; restart, run the reaper and the cleanup; nothing is lost or stuck.

Each kill point is a separate process (tests/faults/killed.py) that dies with os._exit
at its N-th call of the project's code, spread evenly over one undisturbed run. After
each: no run is left queued or running, the photo is stored for review with exactly the
bytes an undisturbed run gives, and no raw upload is left on disk.
"""

import functools
from pathlib import Path

import pytest
from django.core.management import call_command

from benchmark import photos
from curation.core import jobs, storage
from curation.core import services as core_services
from curation.core.models import JobRun, RunStatus
from curation.volunteers import consent, services
from curation.volunteers.models import PacketStatus
from tests.faults import helpers
from tests.volunteers.helpers import photo_with_metadata

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SCENARIOS = ("hiring", "verification", "finance", "open")


@pytest.fixture
def fault_env(settings, tmp_path) -> dict:
    return helpers.fault_env(settings, tmp_path)


@pytest.fixture
def packets(transactional_db, volunteer):
    """A fresh packet for each kill point (one per probe identity and scenario), held by a
    volunteer who agreed to the terms (no photo is accepted without)."""
    core_services.identities_create_pools(memorisation=1, probe=6, seed=5)
    consent.consent_record(user=volunteer)

    def made():
        for _ in range(6):
            for scenario in SCENARIOS:
                batch = services.packets_create_batch(scenario=scenario, count=1, user=None)
                packet = batch.packets.get()
                packet.volunteer = volunteer
                packet.save(update_fields=["volunteer"])
                yield packet

    return functools.partial(next, made())


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


def _kill_everywhere(flow: str, attempt, record_property) -> None:
    """`attempt(index, point)` runs the flow killed at checkpoint `point` (0: never) and
    returns its problems and the checkpoints passed; the first, undisturbed run spreads
    the kill points."""
    problems, passed = attempt(0, 0)
    assert problems == []
    outcomes = {
        point: attempt(index, point)[0]
        for index, point in enumerate(helpers.kill_points(passed), start=1)
    }
    helpers.report(flow, outcomes, record_property)


def test_killing_the_worker_while_it_cleans_a_photo(
    packets, fault_env, monkeypatch, record_property
):
    def attempt(index: int, point: int):
        packet = packets()
        data, expected = _photo(index, fault_env)
        upload = services.upload_start(
            packet, declared_type="image/jpeg", declared_size=None, local_url="/"
        ).upload
        storage.replace_bytes(upload.raw_key, data)
        with monkeypatch.context() as queue_only:  # queued for the worker, not run here
            queue_only.setattr(jobs, "dispatch", lambda *args, **kwargs: None)
            upload = services.upload_received(packet, raw_key=upload.raw_key, user=None)
        passed = helpers.killed(point, "execute", upload.run_id, fault_env)
        helpers.restart_and_reap()
        return _problems(packet, expected), passed

    _kill_everywhere("photo worker", attempt, record_property)


def test_killing_the_web_process_while_it_receives_and_cleans_a_photo(
    packets, fault_env, record_property
):
    def attempt(index: int, point: int):
        packet = packets()
        data, expected = _photo(100 + index, fault_env)
        passed = helpers.killed(point, "upload", packet.pk, fault_env)
        helpers.restart_and_reap()
        _send_again_if_refused(packet, data)
        return _problems(packet, expected), passed

    _kill_everywhere("photo web process", attempt, record_property)
