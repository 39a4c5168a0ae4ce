"""Run one step of the site in this process and die (os._exit) at its N-th checkpoint.

`python tests/faults/killed.py N STEP ARGS...`: a checkpoint is each call of a function
of the project (curation/ or benchmark/), counted from the start of STEP, so the kill
points fall everywhere in the step, between any two of its statements that call our
code: mid-transaction, after a file is written but before its row, and so on. N = 0
runs the step to the end and prints how many checkpoints it passed.

Steps: `execute RUN_ID` (a worker running a job), `upload PACKET_ID` (the web process
receiving a photo from the file at $FAULT_PHOTO; the cleaning job runs inline in it,
as in the embedded default), `score-upload RELEASE_ID` (the web process receiving the
responses file at $FAULT_RESPONSES; its scoring job runs inline after the commit),
`export-start FOLDER` (the web process taking the release form; the export runs inline).
"""

import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = (str(ROOT / "curation"), str(ROOT / "benchmark"))
KILLED = 137


def _kill_at(limit: int):
    passed = 0

    def profile(frame, event, arg):
        nonlocal passed
        if event == "call" and frame.f_code.co_filename.startswith(OURS):
            passed += 1
            if passed == limit:
                os._exit(KILLED)

    sys.setprofile(profile)
    threading.setprofile(profile)
    return lambda: passed


def _upload(packet_id: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from curation.volunteers import services
    from curation.volunteers.models import Packet

    packet = Packet.objects.get(pk=int(packet_id))
    upload = services.upload_start(
        packet, declared_type="image/jpeg", declared_size=None, local_url="/"
    ).upload
    data = Path(os.environ["FAULT_PHOTO"]).read_bytes()
    content = SimpleUploadedFile("phone.jpg", data, "image/jpeg")
    services.upload_receive_file(packet, upload_uuid=str(upload.uuid), content=content, user=None)


def _score_upload(release_id: str) -> None:
    from curation.releases.models import Release
    from curation.scoring import services

    release = Release.objects.get(pk=int(release_id))
    data = Path(os.environ["FAULT_RESPONSES"]).read_bytes()
    services.response_set_upload(release=release, data=data, filename="responses.jsonl")


def _export_start(folder: str) -> None:
    from curation.releases import services

    services.release_start(  # as the release page does
        version="0.1.0", seed=7, preset="demo", destination=folder, allow_simulated=True
    )


STEPS = {"upload": _upload, "score-upload": _score_upload, "export-start": _export_start}


def main(limit: int, step: str, argument: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curation.test_settings")
    import django

    django.setup()
    from curation.core import jobs

    passed = _kill_at(limit or 10**12)
    if step == "execute":
        jobs.execute(int(argument))
    else:
        STEPS[step](argument)
    sys.setprofile(None)
    threading.setprofile(None)
    print("checkpoints", passed())


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
