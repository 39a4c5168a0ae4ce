"""The photo cleaning job (see curation.core.jobs); the work is services.upload_process."""

from benchmark import photos
from curation.core.jobs import JobFailed, run_progress, start_job
from curation.volunteers import services

# Storage or database outages are retried with backoff (5 s, 30 s, 2 min) on RQ.
RETRIES = 3


def start_processing(upload, *, user=None):
    return start_job(
        process_upload,
        kind="photo",
        title=f"Clean photo for packet {upload.packet.display_code}",
        params={"upload_id": upload.pk},
        queue="default",
        user=user,
        retries=RETRIES,
    )


def process_upload(run, *, upload_id: int) -> dict:
    run_progress(run, 0, 1, "Checking and cleaning the photo")
    try:
        result = services.upload_process(upload_id)
    except photos.PhotoRejected as rejection:
        raise JobFailed(f"Photo refused ({rejection.code}): {rejection.message}") from rejection
    run_progress(run, 1, 1, "Stored for review")
    return result
