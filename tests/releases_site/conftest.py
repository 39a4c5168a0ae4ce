import io
import json
from functools import cache

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from benchmark.forms import render_form
from benchmark.vocab import SCENARIOS, TARGET_TYPES
from curation.core import services
from curation.core.models import Identity, ImageStatus, Source
from tests.support import readings


def _scene_png(index: int) -> bytes:
    image = PILImage.new("RGB", (64, 64), (20 * index % 255, 90, 160))
    ImageDraw.Draw(image).ellipse((index % 30, 8, 40 + index % 20, 56), fill=(240, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@cache
def _rendered(identity_json: str, scenario: str, target_type: str):
    """Forms are deterministic: render each once per test session, store it per test."""
    rendered = render_form(json.loads(identity_json), scenario, 0, target_type=target_type or None)
    fields = [
        {"name": f.name, "label": f.label, "value": f.value, "box": list(f.box)}
        for f in rendered.fields
    ]
    return rendered.to_png(), fields


@pytest.fixture
def accepted_demo_set(db):
    """What the demo leaves after --accept-all: pools, every template form, a few scenes."""
    services.identities_create_pools(memorisation=24, probe=24, seed=7)
    for identity in Identity.objects.all():
        for scenario, variant, target in services.render_jobs_for(identity, list(SCENARIOS), [0]):
            data, fields = _rendered(json.dumps(identity.data, sort_keys=True), scenario, target)
            services.image_store(
                data=data,
                key=f"forms/{identity.key}-{scenario}{target}.png",
                source=Source.TEMPLATE,
                scenario=scenario,
                target_type=target,
                variant=variant,
                identity=identity,
                status=ImageStatus.ACCEPTED,
                fields=fields,
                reading=readings.reading_of_fields(fields),
            )
    for index, (target, scenario) in enumerate((t, s) for t in TARGET_TYPES for s in SCENARIOS):
        services.image_store(
            data=_scene_png(index),
            key=f"scenes/test/{index}.png",
            source=Source.DIFFUSION,
            scenario=scenario,
            target_type=target,
            status=ImageStatus.ACCEPTED,
            simulated=True,
            provenance={"simulated": True, "prompt": f"a {target} scene"},
            reading=readings.reading(),
        )
