"""Machine reading of stored images (benchmark's reading module) and the overrides reviewers
record on it. A reading is a hint for reviewers and an input of the release rule (see
benchmark.release.legibility), never a decision alone.

Reading runs as `reading`-queue jobs (served after `default`) over batches of image ids; a
failed OCR call marks that image's reading failed with the reason and leaves the image as it
was.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage

from benchmark import vocab
from benchmark.release.plan import shown_value
from curation.core import storage
from curation.core.jobs import run_now, start_job
from curation.core.models import Image, Pool, Source

log = logging.getLogger(__name__)

READ_JOB = "curation.core.tasks.read_images"
# Images per reading job: about a second each, so a job finishes in well under a minute and
# a worker that took one is soon free for a photo or an export on `default`.
BATCH_SIZE = 20
# The queue of its own that workers serve after `default` (settings.RQ_QUEUES).
READ_QUEUE = "reading"


def expected_values(image: Image) -> list[tuple[str, str]]:
    """(target type, value) pairs the image should show legibly: what the release would ask
    about (`shown_value`, from typed fields or the identity). Scenes show none."""
    if image.source == Source.DIFFUSION or image.identity is None:
        return []
    identity = image.identity.data or {}
    pairs = []
    for target_type in vocab.TARGET_TYPES:
        value = shown_value(image, target_type, identity)
        if value:
            pairs.append((target_type, value))
    return pairs


def is_doubtful(image: Image) -> bool:
    """A target the machine did not read (and no reviewer confirmed), or PII-like text on a
    scene nobody overrode: worth a closer look."""
    reading = image.reading
    if reading is None:
        return bool(image.reading_error)
    unread = any(
        not entry.get("legible") and entry.get("type") not in image.legible_confirmed
        for entry in reading.get("expected", [])
    )
    pii = bool(reading.get("pii_like")) and not image.pii_overridden
    return unread or pii


def image_read(image: Image) -> bool:
    """Read one image and store the reading; on failure store why. True when read."""
    from benchmark import reading as breading  # loads the OCR engine: only where it reads

    try:
        with storage.open_binary(image.file.name) as handle:
            picture = PILImage.open(handle)
            picture.load()
        result = breading.read_check(
            picture, expected_values(image), find_pii=image.source == Source.DIFFUSION
        )
    except Exception as error:  # any OCR or storage failure: recorded, the image stays
        log.warning("reading image %s failed: %s", image.pk, error)
        image.reading, image.reading_error = None, f"{type(error).__name__}: {error}"[:300]
    else:
        image.reading, image.reading_error = result, ""
    image.read_at = timezone.now()
    image.reading_doubtful = is_doubtful(image)
    image.save(update_fields=["reading", "reading_error", "read_at", "reading_doubtful"])
    return image.reading is not None


def images_read(image_ids: Iterable[int], progress=None) -> dict:
    """Read each image that still exists; `progress(done, total)` after each."""
    ids = list(image_ids)
    images = Image.objects.filter(pk__in=ids).select_related("identity").order_by("id")
    counts = {"read": 0, "failed": 0, "missing": len(ids) - images.count()}
    for done, image in enumerate(images.iterator(), start=1):
        counts["read" if image_read(image) else "failed"] += 1
        if progress is not None:
            progress(done, len(ids))
    return counts


def _batches(image_ids: Iterable[int]) -> list[list[int]]:
    ids = sorted(set(image_ids))
    return [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]


def unread(image_ids: Iterable[int]) -> list[int]:
    """Those of the images that have no machine reading yet."""
    return list(
        Image.objects.filter(pk__in=list(image_ids), read_at__isnull=True).values_list(
            "id", flat=True
        )
    )


def reading_start(image_ids: Iterable[int], *, user=None, why: str = "new images") -> list:
    """Queue reading jobs for these images, a batch of ids per job; their JobRuns."""
    return [
        start_job(
            READ_JOB,
            kind="reading",
            queue=READ_QUEUE,
            user=user,
            title=f"Read {len(batch)} image(s) ({why})",
            params={"image_ids": batch},
        )
        for batch in _batches(image_ids)
    ]


def reading_rerun(images, *, user) -> list:
    """A maintainer's request: read these images (a queryset) again, overrides kept."""
    return reading_start(images.values_list("id", flat=True), user=user, why="read again")


def reading_on_arrival(image_ids: Iterable[int], *, user=None, why: str) -> list:
    """New images get their reading unless READ_ON_ARRIVAL is off (the test settings)."""
    if not settings.READ_ON_ARRIVAL:
        return []
    return reading_start(image_ids, user=user, why=why)


def read_unread_now(say) -> int:
    """Read, in this process through the job path, every unread image a release's rule
    needs (the demo, before reviews and releases): photos, scenes and the probe pool's
    forms. The memorisation pool's forms only inform reviewers, and at about a second an
    image they would double the demo's wait: they are left for "Read again" on the Images
    page. The count read."""
    unread = Image.objects.filter(read_at__isnull=True)
    left = unread.filter(identity__pool=Pool.MEMORISATION, source=Source.TEMPLATE)
    wanted = list(
        unread.exclude(identity__pool=Pool.MEMORISATION, source=Source.TEMPLATE).values_list(
            "id", flat=True
        )
    )
    if left.exists():
        say(
            f"  {left.count()} memorisation-pool form(s) left unread (no release rule needs "
            "them): Images page, filter, Read again."
        )
    total = 0
    batches = _batches(wanted)
    for number, batch in enumerate(batches, start=1):
        say(f"  reading batch {number} of {len(batches)} ({len(batch)} image(s))")
        run = run_now(
            READ_JOB,
            kind="reading",
            title=f"Read {len(batch)} image(s) (demo)",
            params={"image_ids": batch},
        )
        total += run.result.get("read", 0)
        if run.error:
            say(f"  reading failed: {run.error}")
    return total


@transaction.atomic
def legible_confirm(*, image_id: int, target_type: str, user) -> Image:
    """A reviewer saw the target's value legible where the machine did not read it."""
    if target_type not in vocab.TARGET_TYPES:
        raise ValueError(f"Unknown target type {target_type!r}.")
    image = Image.objects.select_for_update().get(pk=image_id)
    if target_type not in dict(expected_values(image)):
        raise ValueError(f"Image #{image_id} shows no {target_type} to confirm.")
    image.legible_confirmed = {
        **image.legible_confirmed,
        target_type: {"by": user.get_username(), "at": timezone.now().isoformat()},
    }
    image.reading_doubtful = is_doubtful(image)
    image.save(update_fields=["legible_confirmed", "reading_doubtful", "updated_at"])
    return image


@transaction.atomic
def pii_flag_override(*, image_id: int, user) -> Image:
    """A reviewer judged a scene's PII-like text not personal data (or not there)."""
    image = Image.objects.select_for_update().get(pk=image_id)
    if image.source != Source.DIFFUSION:
        raise ValueError(f"Image #{image_id} is not a scene; only scenes carry a PII flag.")
    image.pii_override_by, image.pii_override_at = user, timezone.now()
    image.reading_doubtful = is_doubtful(image)
    image.save(
        update_fields=["pii_override_by", "pii_override_at", "reading_doubtful", "updated_at"]
    )
    return image
