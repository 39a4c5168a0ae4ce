"""The photo cleaning job (see curation.core.jobs); the work is services.upload_process."""

from benchmark import photos
from curation.core import reading
from curation.core.jobs import JobFailed, run_progress
from curation.volunteers import services


def process_upload(run, *, upload_id: int) -> dict:
    run_progress(run, 0, 1, "Checking and cleaning the photo")
    try:
        result = services.upload_process(upload_id)
    except photos.PhotoRejected as rejection:
        raise JobFailed(f"Photo refused ({rejection.code}): {rejection.message}") from rejection
    run_progress(run, 1, 1, "Stored for review")
    # Also after an earlier attempt stored the photo: it may have died before queueing this.
    if reading.unread([result["image"]]):
        reading.reading_on_arrival([result["image"]], user=run.created_by, why="cleaned photo")
    return result
