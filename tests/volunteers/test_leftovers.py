"""Nothing left behind: a raw photo (GPS and all) is deleted as soon as it has no use."""

import os
import subprocess
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from curation.core import reaper, storage
from curation.core.models import JobRun, RunStatus
from curation.volunteers import services
from curation.volunteers.models import PacketStatus, Upload, UploadState
from tests.volunteers.helpers import photo_with_metadata

pytestmark = pytest.mark.django_db


def _start(packet) -> Upload:
    target = services.upload_start(
        packet, declared_type="image/jpeg", declared_size=None, local_url="/"
    )
    return target.upload


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("phone.jpg", photo_with_metadata(), "image/jpeg")


def test_the_loser_of_two_simultaneous_uploads_is_deleted_at_once(
    packet, volunteer, django_capture_on_commit_callbacks
):
    first, second = _start(packet), _start(packet)
    as_both_saw_it = type(packet).objects.get(pk=packet.pk)  # before either was received
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_receive_file(
            as_both_saw_it, upload_uuid=str(first.uuid), content=_file(), user=volunteer
        )
        with pytest.raises(services.UploadRefused):
            services.upload_receive_file(
                as_both_saw_it, upload_uuid=str(second.uuid), content=_file(), user=volunteer
            )

    second.refresh_from_db()
    assert not storage.exists(second.raw_key)
    assert (second.state, second.reason_code) == (UploadState.FAILED, "superseded")


def test_an_upload_superseded_before_its_bytes_arrive_is_deleted_when_they_do(
    packet, volunteer, django_capture_on_commit_callbacks
):
    first, second = _start(packet), _start(packet)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_receive_file(
            packet, upload_uuid=str(first.uuid), content=_file(), user=volunteer
        )
    storage.replace_bytes(second.raw_key, photo_with_metadata())  # S3: the POST lands late

    with pytest.raises(services.UploadRefused):
        services.upload_received(packet, raw_key=second.raw_key, user=volunteer)

    assert not storage.exists(second.raw_key)


def test_cleanup_deletes_finished_orphaned_and_expired_raw_uploads(packet, settings):
    settings.RAW_UPLOAD_EXPIRY_DAYS = 14
    fresh, old, done = _start(packet), _start(packet), _start(packet)
    Upload.objects.filter(pk=done.pk).update(state=UploadState.DONE)
    orphan = f"uploads/raw/{packet.code}/no-upload-row"
    for key in (fresh.raw_key, old.raw_key, done.raw_key, orphan):
        storage.replace_bytes(key, b"raw photo bytes")
    fifteen_days_ago = time.time() - 15 * 86400
    os.utime(storage.local_path(old.raw_key), (fifteen_days_ago, fifteen_days_ago))

    call_command("cleanup")

    assert [storage.exists(key) for key in (fresh.raw_key, old.raw_key, done.raw_key, orphan)] == [
        True,
        False,
        False,
        False,
    ]


def test_a_cleaning_run_given_up_by_the_reaper_frees_the_packet(packet, settings):
    settings.REAPER_MAX_ATTEMPTS = 1
    process = subprocess.Popen(["true"])
    process.wait()
    upload = _start(packet)
    storage.replace_bytes(upload.raw_key, photo_with_metadata())
    run = JobRun.objects.create(
        kind="photo",
        title="clean",
        function="curation.volunteers.tasks.process_upload",
        params={"upload_id": upload.pk},
        status=RunStatus.RUNNING,
        attempts=1,
        host=reaper.socket.gethostname(),
        pid=process.pid,
    )
    Upload.objects.filter(pk=upload.pk).update(state=UploadState.PROCESSING, run=run)
    type(packet).objects.filter(pk=packet.pk).update(current_upload=upload)

    reaper.reap()

    packet.refresh_from_db()
    assert packet.status == PacketStatus.REJECTED and packet.accepts_upload
    assert "send it again" in packet.rejection_reason
    assert not storage.exists(upload.raw_key)
