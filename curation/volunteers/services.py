"""Packets and photo uploads: every multi-step write of the volunteers area.

A photo travels: presigned POST (or a post to the site on local disk) -> raw object
under uploads/raw/ -> `upload_process` on a worker (check, clean, dedupe, store the
cleaned image and its review copy, create the Image row) -> raw object deleted. The
raw object is deleted only once the Image row exists, so no photo is lost between
upload and review; a second run of `upload_process` finishes what the first began.
"""

import functools
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from benchmark import forms as bforms
from benchmark import photos, vocab
from curation.core import services as core_services
from curation.core import storage
from curation.core.jobs import start_job
from curation.core.models import Identity, Image, ImageStatus, Pool, RunStatus, Scenario, Source
from curation.core.roles import VOLUNTEER, user_roles
from curation.volunteers import conf, consent
from curation.volunteers.models import (
    CODE_LENGTH,
    Packet,
    PacketBatch,
    PacketStatus,
    Upload,
    UploadState,
    new_code,
    normalise_code,
)

MAX_BATCH = 500
PROCESS_JOB = "curation.volunteers.tasks.process_upload"
# Storage or database outages are retried with backoff (5 s, 30 s, 2 min) on RQ.
PROCESS_RETRIES = 3
UNKNOWN_IMAGE_TYPE = "image/x-unknown"
SIMULATED_PROVENANCE = "demo photo: rendered form in a handwriting font, warped, lit and blurred"


class PacketUnavailable(Exception):
    """No packet can be handed out; the message says why and what to do."""


class UploadRefused(Exception):
    """An upload cannot start or finish; the message is for the volunteer."""


CONSENT_NEEDED = (
    "Before a photo can be sent, the volunteer who holds this packet must read and agree to "
    "the volunteers' terms: sign in, open My packets and follow the link to the terms."
)


# --- packets -------------------------------------------------------------------------


def _free_forms(scenario: str):
    """(identity, target_type) pairs of the probe pool that have no packet for `scenario`
    yet; open-context forms rotate through the target types so that a batch is balanced."""
    identities = list(Identity.objects.filter(pool=Pool.PROBE).order_by("key"))
    taken = set(Packet.objects.filter(scenario=scenario).values_list("identity_id", "target_type"))
    targets = vocab.target_types_for(scenario)
    for round_ in range(len(targets)):
        for index, identity in enumerate(identities):
            target_type = targets[(index + round_) % len(targets)]
            if (identity.pk, target_type) not in taken:
                taken.add((identity.pk, target_type))
                yield identity, target_type


def _fresh_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _ in range(count - len(codes))}
        codes |= wanted - set(Packet.objects.filter(code__in=wanted).values_list("code", flat=True))
    return sorted(codes)


def _new_packets(scenario: str, count: int, **fields) -> list[Packet]:
    forms = [form for form, _ in zip(_free_forms(scenario), range(count), strict=False)]
    variants = bforms.variant_count(scenario)
    packets = [
        Packet(
            code=code,
            identity=identity,
            scenario=scenario,
            target_type=target_type,
            variant=index % variants,
            **fields,
        )
        for index, ((identity, target_type), code) in enumerate(
            zip(forms, _fresh_codes(len(forms)), strict=True)
        )
    ]
    return Packet.objects.bulk_create(packets)


@transaction.atomic
def packets_create_batch(*, scenario: str, count: int, user) -> PacketBatch:
    """Up to `count` new packets for probe identities without a `scenario` packet."""
    if not 1 <= count <= MAX_BATCH:
        raise PacketUnavailable(f"Ask for between 1 and {MAX_BATCH} packets at a time.")
    batch = PacketBatch.objects.create(scenario=scenario, created_by=user)
    if not _new_packets(scenario, count, batch=batch):
        raise PacketUnavailable(
            f"Every probe identity already has a {scenario} packet. "
            "Create more probe identities first (Identities page)."
        )
    return batch


def _waiting_for_a_photo(packets):
    """Packets still owed a usable photo: none sent, or the last one refused (an empty
    file, say) or rejected in review. Counting uploads instead let a volunteer free a
    slot by sending an empty file."""
    return packets.filter(
        Q(current_upload=None)
        | Q(current_upload__state=UploadState.FAILED)
        | Q(current_upload__image__status=ImageStatus.REJECTED)
    )


@transaction.atomic
def packet_request(*, user, scenario: str) -> Packet:
    """Hand a volunteer a packet: an unclaimed bulk packet if there is one, else a new one."""
    waiting = _waiting_for_a_photo(Packet.objects.filter(volunteer=user)).count()
    if waiting >= conf.open_packet_limit():
        raise PacketUnavailable(
            f"You have {waiting} packets waiting for a photo. "
            "Please send those photos before asking for another packet."
        )
    unclaimed = (
        Packet.objects.select_for_update(skip_locked=True)
        .filter(volunteer=None, current_upload=None, scenario=scenario)
        .order_by("created_at", "id")
        .first()
    )
    if unclaimed is not None:
        unclaimed.volunteer = user
        unclaimed.save(update_fields=["volunteer", "updated_at"])
        return unclaimed
    created = _new_packets(scenario, 1, volunteer=user)
    if not created:
        raise PacketUnavailable(
            f"No {Scenario(scenario).label.lower()} packet is free right now. "
            "Try another kind of form, or ask the maintainers for more."
        )
    return created[0]


@transaction.atomic
def packet_claim_by_code(*, user, typed_code: str) -> Packet | None:
    """The packet with this code if it is the user's or unclaimed (then it becomes theirs);
    None otherwise, so that a code never reveals someone else's packet."""
    code = normalise_code(typed_code)
    if len(code) != CODE_LENGTH:
        return None
    packet = Packet.objects.select_for_update().filter(code=code).first()
    if packet is None or packet.volunteer_id not in (None, user.pk):
        return None
    if packet.volunteer_id is None:
        packet.volunteer = user
        packet.save(update_fields=["volunteer", "updated_at"])
    return packet


def packet_values(packet: Packet) -> list[dict]:
    """What the form shows for this packet's identity, in form order: the values to copy
    by hand and, once photographed, the image's ground truth (no boxes on a photo)."""
    plan = bforms.plan_form(
        packet.identity.data,
        packet.scenario,
        packet.variant,
        target_type=packet.target_type or None,
    )
    return [
        {"name": field.name, "label": field.label, "value": field.value, "box": None}
        for field in plan.fields
    ]


# --- uploads -------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadTarget:
    """Where the browser sends the file: straight to S3 (`fields` set) or to the site."""

    upload: Upload
    url: str
    fields: dict | None


def _check_upload_allowed(packet: Packet) -> None:
    if not packet.accepts_upload:
        raise UploadRefused(
            f"This packet's photo is {packet.status_label.lower()}: "
            "there is nothing to upload right now."
        )


def _required_consent(packet: Packet, user):
    """The consent a photo for `packet` is sent under; refused without one to the current
    terms (for S3 and local uploads alike: both start and finish here)."""
    agreed = consent.consent_for_upload(packet, user)
    if agreed is None:
        raise UploadRefused(CONSENT_NEEDED)
    return agreed


def _check_claims(declared_type: str, declared_size: int | None) -> None:
    """Refuse early what the browser itself says is wrong; the job checks the real file."""
    max_bytes = conf.photo_max_bytes()
    if declared_size is not None and declared_size > max_bytes:
        raise UploadRefused(
            f"The file is {declared_size / 1e6:.1f} MB, more than the {max_bytes / 1e6:g} MB "
            "limit. Please upload a photo taken with your phone camera's normal settings."
        )
    if declared_type and not declared_type.startswith("image/"):
        raise UploadRefused("This file is not a photo. Please choose the photo of your form.")


def upload_start(
    packet: Packet, *, declared_type: str, declared_size: int | None, local_url: str, user=None
) -> UploadTarget:
    """Record an upload attempt and say where its bytes go (a presigned POST on S3)."""
    _check_upload_allowed(packet)
    agreed = _required_consent(packet, user)
    _check_claims(declared_type, declared_size)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    if packet.uploads.filter(created_at__gte=an_hour_ago).count() >= conf.uploads_per_hour():
        raise UploadRefused("Too many upload attempts for this packet. Please try again later.")
    upload = Upload.objects.create(
        packet=packet,
        raw_key=f"{storage.RAW_UPLOAD_PREFIX}{packet.code}/{uuid.uuid4()}",
        declared_type=declared_type[:100],
        consent=agreed,
    )
    if not storage.uses_s3():
        return UploadTarget(upload=upload, url=local_url, fields=None)
    post = storage.presigned_post(
        upload.raw_key,
        max_bytes=conf.photo_max_bytes(),
        content_type=declared_type or UNKNOWN_IMAGE_TYPE,
        expires_s=conf.upload_url_lifetime_s(),
    )
    return UploadTarget(upload=upload, url=post["url"], fields=post["fields"])


def _awaiting_upload(packet: Packet, **lookup) -> Upload:
    upload = packet.uploads.filter(state=UploadState.AWAITING, **lookup).first()
    if upload is None:
        raise UploadRefused(
            "This upload is unknown or already finished. Please choose the photo again."
        )
    return upload


def upload_receive_file(packet: Packet, *, upload_uuid: str, content, user) -> Upload:
    """Local-disk storage: the site itself stores the posted file as the raw upload."""
    _check_upload_allowed(packet)
    _required_consent(packet, user)
    try:
        upload = _awaiting_upload(packet, uuid=uuid.UUID(upload_uuid))
    except ValueError:
        raise UploadRefused("This upload is unknown. Please choose the photo again.") from None
    stored = storage.save_file(upload.raw_key, content)
    if stored != upload.raw_key:
        storage.remove(stored)
        raise UploadRefused("The photo could not be stored. Please upload it again.")
    return upload_received(packet, raw_key=upload.raw_key, user=user)


def upload_received(packet: Packet, *, raw_key: str, user) -> Upload:
    """The browser says the raw object is stored: make it the packet's photo and queue the
    cleaning job. Reads nothing from storage (the job checks the object on the worker).
    A photo that lost the race to another one for this packet is deleted at once: a raw
    photo still carries its GPS position."""
    try:
        upload, refusal = _receive(packet, raw_key=raw_key, user=user)
    except UploadRefused:
        # Superseded while its bytes were still on the way: they go now, as they arrive.
        if packet.uploads.filter(raw_key=raw_key, state=UploadState.FAILED).exists():
            storage.remove(raw_key)
        raise
    if refusal is not None:
        storage.remove(upload.raw_key)
        raise refusal
    return upload


@transaction.atomic
def _receive(packet: Packet, *, raw_key: str, user) -> tuple[Upload, UploadRefused | None]:
    packet = Packet.objects.select_for_update().get(pk=packet.pk)
    upload = _awaiting_upload(packet, raw_key=raw_key)
    try:
        _check_upload_allowed(packet)
    except UploadRefused as refusal:
        _set_superseded(upload)
        return upload, refusal
    try:
        upload.consent = _required_consent(packet, user)
    except UploadRefused as refusal:
        return upload, refusal
    volunteer = user if user is not None and VOLUNTEER in user_roles(user) else None
    upload.state, upload.received_at, upload.uploaded_by = (
        UploadState.RECEIVED,
        timezone.now(),
        user if user is not None and user.is_authenticated else None,
    )
    upload.run = upload_start_processing(upload, user=volunteer)
    upload.save(
        update_fields=["state", "received_at", "uploaded_by", "run", "consent", "updated_at"]
    )
    packet.current_upload = upload
    if packet.volunteer_id is None and volunteer is not None:
        packet.volunteer = volunteer
    packet.save(update_fields=["current_upload", "volunteer", "updated_at"])
    for other in packet.uploads.filter(state=UploadState.AWAITING).exclude(pk=upload.pk):
        _set_superseded(other)
        transaction.on_commit(functools.partial(storage.remove, other.raw_key))
    return upload, None


def _set_superseded(upload: Upload) -> None:
    upload.state, upload.reason_code = UploadState.FAILED, "superseded"
    upload.reason = "Another photo was sent for this packet first; this one was not kept."
    upload.save(update_fields=["state", "reason_code", "reason", "updated_at"])


def upload_start_processing(upload: Upload, *, user=None):
    """Queue the cleaning job for a received photo; returns its JobRun."""
    return start_job(
        PROCESS_JOB,
        kind="photo",
        title=f"Clean photo for packet {upload.packet.display_code}",
        params={"upload_id": upload.pk},
        queue="default",
        user=user,
        retries=PROCESS_RETRIES,
    )


def upload_process_again(upload: Upload, *, user=None) -> Upload:
    """Queue the cleaning job again for a photo whose runs gave up on an outage."""
    upload.run = upload_start_processing(upload, user=user)
    upload.save(update_fields=["run", "updated_at"])
    return upload


def _status_text(packet: Packet, status: str) -> str:
    run = packet.current_upload.run if packet.current_upload else None
    if status in (PacketStatus.RECEIVED, PacketStatus.PROCESSING) and run is not None:
        return WAITING_TEXTS.get(run.status, STATUS_TEXTS[status])
    return STATUS_TEXTS[status]


# --- processing (on the worker) -------------------------------------------------------


def upload_process(upload_id: int) -> dict:
    """Check, clean and store one uploaded photo; raise PhotoRejected (recorded on the
    upload) for a bad photo, StorageUnavailable or a database error to be retried."""
    upload = Upload.objects.select_related("packet__identity").get(pk=upload_id)
    if upload.state == UploadState.DONE:
        storage.remove(upload.raw_key)
        return {"image": upload.image_id, "finished_earlier": True}
    if upload.state == UploadState.FAILED:
        storage.remove(upload.raw_key)
        raise photos.PhotoRejected(upload.reason_code, upload.reason)
    _set_state(upload, UploadState.PROCESSING)
    try:
        cleaned, size = _cleaned_photo(upload)
    except photos.PhotoRejected as rejection:
        _refuse(upload, rejection)
        raise
    image = _store_image(upload, cleaned, size)
    storage.remove(upload.raw_key)
    return {"image": image.pk, "near_duplicates": len(image.provenance["near_duplicates"])}


def _set_state(upload: Upload, state: str) -> None:
    upload.state = state
    upload.save(update_fields=["state", "updated_at"])


def _refuse(upload: Upload, rejection: photos.PhotoRejected) -> None:
    upload.state, upload.reason_code, upload.reason = (
        UploadState.FAILED,
        rejection.code,
        rejection.message,
    )
    upload.save(update_fields=["state", "reason_code", "reason", "updated_at"])
    storage.remove(upload.raw_key)


def _cleaned_photo(upload: Upload) -> tuple[photos.CleanedPhoto, int]:
    """Check the stored object's real size and leading bytes before fetching it, then
    clean it; never reads more than the size limit plus one byte."""
    max_bytes = conf.photo_max_bytes()
    size = storage.object_size(upload.raw_key)
    if size is None:
        raise photos.PhotoRejected(
            "missing",
            "The photo did not reach us (the upload may have been interrupted). "
            "Please upload it again.",
        )
    head = storage.read_prefix(upload.raw_key, photos.SNIFF_BYTES) if size else b""
    photos.check_upload(head, size, declared_type=upload.declared_type, max_bytes=max_bytes)
    data = storage.read_prefix(upload.raw_key, max_bytes + 1)
    cleaned = photos.clean_photo_limited(
        data,
        limits=conf.photo_decode_limits(),
        declared_type=upload.declared_type,
        max_bytes=max_bytes,
        max_pixels=conf.photo_max_pixels(),
    )
    if Image.objects.filter(sha256=cleaned.sha256).exists():
        raise photos.PhotoRejected(
            "duplicate",
            "This exact photo was uploaded before. Please take a new photo of your filled-in "
            "form and upload that one.",
        )
    return cleaned, len(data)


def upload_abandoned(run) -> None:
    """The reaper gave up on a cleaning run: refuse its photo with a reason, so that the
    packet takes a new one instead of showing "processing" for ever."""
    for upload in Upload.objects.filter(
        run=run, state__in=[UploadState.RECEIVED, UploadState.PROCESSING]
    ):
        _refuse(
            upload,
            photos.PhotoRejected(
                "not_processed", "We could not check this photo. Please send it again."
            ),
        )


# Uploads whose raw object has no further use.
_FINISHED = (UploadState.DONE, UploadState.FAILED)


def raw_uploads_cleanup(*, now=None) -> int:
    """Local disk: delete raw uploads that are finished or belong to no upload, and any
    older than the expiry (S3's lifecycle rule does this in the bucket). Return how many."""
    root = storage.local_path(storage.RAW_UPLOAD_PREFIX)
    if root is None or not os.path.isdir(root):
        return 0
    expired = (now or timezone.now()) - timedelta(days=storage.raw_upload_expiry_days())
    files = {
        os.path.relpath(path, storage.local_path("")).replace(os.sep, "/"): path
        for path in _files_under(root)
    }
    keep = set(
        Upload.objects.filter(raw_key__in=files)
        .exclude(state__in=_FINISHED)
        .values_list("raw_key", flat=True)
    )
    removed = 0
    for key, path in files.items():
        modified = datetime.fromtimestamp(os.path.getmtime(path), tz=UTC)
        if key not in keep or modified < expired:
            storage.remove(key)
            removed += 1
    return removed


def _files_under(root: str):
    for folder, _, names in os.walk(root):
        for name in names:
            yield os.path.join(folder, name)


def near_duplicates(phash: str, limit: int = 10) -> list[dict]:
    """Stored images whose perceptual hash is within NEAR_DUPLICATE_DISTANCE of `phash`."""
    found = []
    for pk, other in Image.objects.exclude(phash="").values_list("pk", "phash").iterator():
        if len(other) == len(phash):
            distance = photos.hash_distance(phash, other)
            if distance <= photos.NEAR_DUPLICATE_DISTANCE:
                found.append({"image": pk, "distance": distance})
    return sorted(found, key=lambda item: (item["distance"], item["image"]))[:limit]


def _store_image(upload: Upload, cleaned: photos.CleanedPhoto, size: int) -> Image:
    """Store the cleaned photo and its review copy, then the Image row and the upload's
    new state in one transaction. Keys are fixed per upload, so a retry replaces what a
    failed attempt left behind instead of adding copies."""
    packet = upload.packet
    base = f"photos/{packet.scenario}/{packet.code}-{upload.uuid}"
    review_name = storage.replace_bytes(f"{base}-review.jpg", cleaned.review_data)
    storage.remove(f"{base}.jpg")
    provenance = {
        "packet": packet.code,
        "upload": str(upload.uuid),
        "original_type": cleaned.source_type,
        "original_size_bytes": size,
        "cleaned_by": "benchmark.photos.clean_photo",
        "near_duplicates": near_duplicates(cleaned.phash),
    }
    if upload.simulated:
        provenance["simulated"] = SIMULATED_PROVENANCE
    with transaction.atomic():
        image = core_services.image_store(
            data=cleaned.data,
            key=f"{base}.jpg",
            source=Source.PHOTO,
            review_file=review_name,
            phash=cleaned.phash,
            scenario=packet.scenario,
            target_type=packet.target_type,
            variant=packet.variant,
            identity=packet.identity,
            status=ImageStatus.PENDING,
            fields=packet_values(packet),
            provenance=provenance,
            simulated=upload.simulated,
        )
        upload.image, upload.state = image, UploadState.DONE
        upload.save(update_fields=["image", "state", "updated_at"])
    return image


STATUS_TEXTS = {
    PacketStatus.ISSUED: "No photo yet. Fill in the form by hand, photograph it and send it here.",
    PacketStatus.RECEIVED: "Photo received. It will be checked in a moment.",
    PacketStatus.PROCESSING: (
        "Checking the photo and removing its hidden data (location, camera, time)…"
    ),
    PacketStatus.IN_REVIEW: (
        "Thank you! The photo is stored without its hidden data and waits for a reviewer."
    ),
    PacketStatus.ACCEPTED: "Accepted: the photo is part of the benchmark. Thank you!",
    PacketStatus.REJECTED: "This photo could not be used. You can send a new one.",
}


# While the photo waits, what its cleaning job's state means for the volunteer.
WAITING_TEXTS = {
    RunStatus.NOT_QUEUED: (
        "Your photo is safely stored, but checking it could not start: the site's job service "
        "is down. It starts by itself when the service is back; no need to send it again."
    ),
    RunStatus.RETRYING: (
        "Your photo is safely stored. Checking it was interrupted by a problem on our side and "
        "is tried again by itself in a moment; no need to send it again."
    ),
    RunStatus.FAILED: (
        "Your photo is safely stored, but checking it failed on our side. The team sees this "
        "and will check it again; no need to send it again."
    ),
}


def status_payload(packet: Packet) -> dict:
    """The packet's status as the upload page shows it."""
    status = packet.status
    return {
        "status": status,
        "label": packet.status_label,
        "text": _status_text(packet, status),
        "reason": packet.rejection_reason,
        "refused_by": packet.refused_by,
        "can_upload": packet.accepts_upload,
        "finished": status not in (PacketStatus.RECEIVED, PacketStatus.PROCESSING),
    }


def upload_rejected_in_review(*, image_id: int, reasons: list[dict]) -> int:
    """Keep the reviewers' reject reasons on the photo's upload, so that its volunteer
    reads why (on every page, after any reload); how many uploads (0 or 1)."""
    return Upload.objects.filter(image_id=image_id, state=UploadState.DONE).update(
        reason_code=",".join(reason["code"] for reason in reasons)[:40],
        reason="; ".join(reason["label"] for reason in reasons),
    )
