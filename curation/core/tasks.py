"""Job functions for identities and template forms (see curation.core.jobs)."""

from curation.core import reading, services
from curation.core.jobs import run_progress
from curation.core.models import Identity


def generate_identities(run, *, memorisation: int, probe: int, seed: int) -> dict:
    run_progress(run, 0, 1, "Generating identities")
    created = services.identities_create_pools(memorisation=memorisation, probe=probe, seed=seed)
    run_progress(run, 1, 1, "Done")
    return created


def render_forms(
    run, *, pool: str, scenarios: list[str], variants: list[int], limit: int | None = None
) -> dict:
    identities = Identity.objects.all() if pool == "all" else Identity.objects.filter(pool=pool)
    identities = list(identities.order_by("key")[:limit] if limit else identities.order_by("key"))
    work = [
        (identity, *job)
        for identity in identities
        for job in services.render_jobs_for(identity, scenarios, variants)
    ]
    run_progress(run, 0, len(work), f"Rendering {len(work)} forms")
    unread = []
    for done, (identity, scenario, variant, target_type) in enumerate(work, start=1):
        image = services.render_template_form(identity, scenario, variant, target_type)
        if image.read_at is None:
            unread.append(image.pk)
        if done % 10 == 0 or done == len(work):
            run_progress(run, done, message=f"Rendered {done} of {len(work)}")
    reading.reading_on_arrival(unread, user=run.created_by, why="new template forms")
    return {"rendered": len(work)}


def read_images(run, *, image_ids: list[int]) -> dict:
    """Read a batch of images (OCR); a failure is recorded on its image, not the run."""
    run_progress(run, 0, len(image_ids), f"Reading {len(image_ids)} images")
    return reading.images_read(
        image_ids, progress=lambda done, total: run_progress(run, done, total)
    )
