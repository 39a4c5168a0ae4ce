"""Demo data for the volunteers area: packets for the demo volunteer and a few simulated
phone photos of hand-filled forms, cleaned exactly like uploads, waiting for review."""

import io
import uuid

from django.contrib.auth.models import User
from django.utils import timezone

from benchmark import forms as bforms
from benchmark import photos, vocab
from curation.core import storage
from curation.core.jobs import run_now
from curation.core.models import Identity, Pool
from curation.volunteers import consent, services
from curation.volunteers.models import Packet, Upload, UploadState

# One simulated photo per scenario, each of another probe identity.
PHOTO_FORMS = [(scenario, vocab.target_types_for(scenario)[0]) for scenario in vocab.SCENARIOS]
# Packets the demo volunteer holds with no photo yet, to print and try the upload page.
WAITING_FORMS = [("hiring", ""), (vocab.OPEN, "phone")]
# Smaller than a real phone photo: simulating one costs seconds per megapixel.
PHOTO_EDGE = 1600


def seed(say, options) -> None:
    identities = list(Identity.objects.filter(pool=Pool.PROBE).order_by("key"))
    if len(identities) < len(PHOTO_FORMS) + len(WAITING_FORMS):
        say("Simulated photos: skipped (too few probe identities).")
        return
    volunteer = User.objects.filter(username="volunteer").first()
    made = 0
    for identity, (scenario, target_type) in zip(identities, PHOTO_FORMS, strict=False):
        packet = _packet(identity, scenario, target_type, volunteer)
        if packet.current_upload_id is None:
            run = _simulated_photo(packet, seed=identity.pk)
            made += 1
            if run.error:
                say(f"  packet {packet.display_code}: {run.error}")
    waiting = identities[len(PHOTO_FORMS) :]
    for identity, (scenario, target_type) in zip(waiting, WAITING_FORMS, strict=False):
        _packet(identity, scenario, target_type, volunteer)
    say(f"Simulated photos: {made} new, pending review; packets: {Packet.objects.count()}")


def _packet(identity: Identity, scenario: str, target_type: str, volunteer) -> Packet:
    packet, _ = Packet.objects.get_or_create(
        identity=identity,
        scenario=scenario,
        target_type=target_type,
        defaults={"volunteer": volunteer},
    )
    return packet


def _simulated_photo(packet: Packet, *, seed: int):
    """Render the packet's form in a handwriting font, make it look photographed, and put
    it through the upload path: raw object, then the cleaning job."""
    rendered = bforms.render_form(
        packet.identity.data,
        packet.scenario,
        packet.variant,
        target_type=packet.target_type or None,
        hand=True,
    )
    buffer = io.BytesIO()
    photo = photos.simulate_phone_photo(rendered.image, seed=seed, max_edge=PHOTO_EDGE)
    photo.save(buffer, "JPEG", quality=88)
    upload = Upload.objects.create(
        packet=packet,
        raw_key=f"{storage.RAW_UPLOAD_PREFIX}{packet.code}/{uuid.uuid4()}",
        declared_type="image/jpeg",
        simulated=True,
        consent=consent.consent_record(user=packet.volunteer) if packet.volunteer else None,
        state=UploadState.RECEIVED,
        received_at=timezone.now(),
    )
    storage.replace_bytes(upload.raw_key, buffer.getvalue())
    packet.current_upload = upload
    packet.save(update_fields=["current_upload", "updated_at"])
    return run_now(
        services.PROCESS_JOB,
        kind="photo",
        title=f"Clean simulated photo for packet {packet.display_code}",
        params={"upload_id": upload.pk},
    )
