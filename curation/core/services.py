"""Multi-step writes for identities and images. Views and jobs call these."""

import io

from django.db import transaction
from PIL import Image as PILImage

from benchmark import forms as bforms
from benchmark import identities as bidentities
from benchmark import vocab
from curation.core import storage
from curation.core.jobs import retry_run, start_job
from curation.core.models import Identity, Image, ImageStatus, JobRun, Source


def _normalised_values(identity: dict) -> set[tuple[str, str]]:
    return {
        (field, vocab.normalise(field, identity[field]))
        for field in vocab.UNIQUE_FIELDS
        if identity.get(field)
    }


def _taken_values() -> set[tuple[str, str]]:
    taken: set[tuple[str, str]] = set()
    for data in Identity.objects.values_list("data", flat=True).iterator():
        taken |= _normalised_values(data)
    return taken


@transaction.atomic
def identities_create_pools(*, memorisation: int, probe: int, seed: int) -> dict:
    """Create seeded pools; identities whose values already exist in the database are
    skipped, so every pool stays disjoint from everything stored before."""
    pools = bidentities.make_pools(memorisation, probe, seed)
    taken = _taken_values()
    key_prefix = f"s{seed}-"
    stored_keys = set(
        Identity.objects.filter(key__startswith=key_prefix).values_list("key", flat=True)
    )
    created = {**dict.fromkeys(vocab.POOLS, 0), "skipped": 0}
    rows = []
    for identity in [*pools.memorisation, *pools.probe]:
        key = f"{key_prefix}{identity['id']}"
        values = _normalised_values(identity)
        if values & taken or key in stored_keys:
            created["skipped"] += 1
            continue
        taken |= values
        rows.append(_identity_row(key, identity))
        created[identity["pool"]] += 1
    Identity.objects.bulk_create(rows)
    return created


def identities_generate_start(params: dict, *, user=None):
    """Queue the job that creates the memorisation and probe pools; returns its JobRun."""
    return start_job(
        "curation.core.tasks.generate_identities",
        kind="identities",
        user=user,
        title=f"Identities: {params['memorisation']} memorisation, "
        f"{params['probe']} probe, seed {params['seed']}",
        params=params,
    )


def _identity_row(key: str, identity: dict) -> Identity:
    return Identity(
        key=key,
        pool=identity["pool"],
        name=identity["name"],
        email=identity["email"],
        phone=identity["phone"],
        ssn=identity["ssn"],
        data={**identity, "id": key},
    )


def image_store(*, data: bytes, key: str, source: str, **fields) -> Image:
    """Store image bytes and create its row; the file is saved before the row exists,
    and removed again if the row cannot be written."""
    name = storage.save_bytes(key, data)
    width, height = PILImage.open(io.BytesIO(data)).size
    try:
        return Image.objects.create(
            source=source,
            file=name,
            sha256=storage.sha256_hex(data),
            size_bytes=len(data),
            width=width,
            height=height,
            **fields,
        )
    except Exception:
        storage.delete(name)
        raise


def render_template_form(
    identity: Identity, scenario: str, variant: int, target_type: str = ""
) -> Image:
    """Render one template form and store it, accepted (template forms need no review)."""
    existing = Image.objects.filter(
        identity=identity,
        source=Source.TEMPLATE,
        scenario=scenario,
        variant=variant,
        target_type=target_type,
    ).first()
    if existing:
        return existing
    rendered = bforms.render_form(identity.data, scenario, variant, target_type=target_type or None)
    suffix = f"-{target_type}" if target_type else ""
    return image_store(
        data=rendered.to_png(),
        key=f"forms/{scenario}/{identity.key}-v{variant}{suffix}.png",
        source=Source.TEMPLATE,
        scenario=scenario,
        target_type=target_type,
        variant=variant,
        identity=identity,
        status=ImageStatus.ACCEPTED,
        fields=[_field_dict(field) for field in rendered.fields],
        provenance={"renderer": "benchmark.forms", "variant": variant},
    )


def _field_dict(field) -> dict:
    return {"name": field.name, "label": field.label, "value": field.value, "box": list(field.box)}


def render_start(params: dict, *, user=None):
    """Queue the job that renders template forms (pool, scenarios, variants); returns its
    JobRun."""
    return start_job(
        "curation.core.tasks.render_forms",
        kind="render",
        user=user,
        title=f"Render {', '.join(params['scenarios'])} forms ({params['pool']})",
        params=params,
    )


def render_jobs_for(identity: Identity, scenarios: list[str], variants: list[int]):
    """Every (scenario, variant, target_type) form an identity gets."""
    for scenario in scenarios:
        for variant in variants:
            if variant >= bforms.variant_count(scenario):
                continue
            for target_type in vocab.target_types_for(scenario):
                yield scenario, variant, target_type


@transaction.atomic
def run_retry(run_id: int):
    """Run a failed job again (a dead worker, an outage that outlasted RQ's retries); returns
    the run, or raises ValueError saying why it cannot be retried."""
    return retry_run(JobRun.objects.select_for_update().get(pk=run_id))
