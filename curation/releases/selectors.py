"""What a release is built from, read from the database."""

from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from benchmark.release import ImageRecord
from curation.core import storage
from curation.core.models import Identity, Image, ImageStatus
from curation.releases.models import Release, ReleaseStatus
from curation.volunteers import consent

# Rows read from the database at a time while a release is built.
CHUNK_SIZE = 2000


def release_identities() -> Iterator[dict]:
    """Every identity's data, streamed (the release reads them once)."""
    rows = Identity.objects.order_by("key").values_list("data", flat=True)
    return rows.iterator(chunk_size=CHUNK_SIZE)


class _AcceptedImages:
    """The accepted images as records, queried afresh on each iteration and read a chunk
    at a time: a release reads them twice and never holds them all."""

    def __iter__(self) -> Iterator[ImageRecord]:
        accepted = consent.releasable(Image.objects.filter(status=ImageStatus.ACCEPTED))
        images = accepted.select_related("identity", "upload__consent").order_by("id")
        return map(_record, images.iterator(chunk_size=CHUNK_SIZE))


def accepted_image_records() -> Iterable[ImageRecord]:
    return _AcceptedImages()


def _record(image: Image) -> ImageRecord:
    name = image.file.name
    return ImageRecord(
        key=f"img{image.pk:07d}",
        source=image.source,
        scenario=image.scenario or None,
        target_type=image.target_type or None,
        identity_id=image.identity.key if image.identity else None,
        fields=image.fields,
        sha256=image.sha256,
        phash=image.phash,
        simulated=image.simulated,
        provenance=image.provenance,
        suffix=PurePosixPath(name).suffix.lower() or ".png",
        open=lambda: storage.open_binary(name),
        local_path=storage.local_path(name),
        s3_key=name if storage.uses_s3() else None,
        consent_terms=consent.consent_terms(image),
        reading=image.reading,
        legible_confirmed=frozenset(image.legible_confirmed),
        pii_overridden=image.pii_overridden,
    )


def _latest_published() -> Release | None:
    return Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-published_at").first()


def release_withdrawals() -> list[dict]:
    """withdrawals.jsonl: images of the latest release no longer accepted, and every photo
    its volunteer withdrew (one entry per sha256; the volunteer's withdrawal says why)."""
    latest = _latest_published()
    by_volunteers = consent.release_withdrawals(
        previous_published_at=latest.published_at if latest else None
    )
    taken = {entry["sha256"] for entry in by_volunteers}
    others = [entry for entry in withdrawn_since_last_release() if entry["sha256"] not in taken]
    return others + by_volunteers


def withdrawn_since_last_release() -> list[dict]:
    """Images in the latest published release that are no longer accepted."""
    latest = _latest_published()
    if latest is None:
        return []
    gone = latest.members.exclude(image__status=ImageStatus.ACCEPTED).select_related("image")
    return [
        {
            "sha256": member.image.sha256,
            "reason": f"image #{member.image.pk} is now {member.image.status} "
            f"(was in {latest.version})",
        }
        for member in gone.order_by("image_id")
    ]
