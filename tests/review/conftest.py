"""Review fixtures: tiny stored images waiting in the queue, and an identity to compare with."""

import io
import itertools

import pytest
from PIL import Image as PILImage

from curation.core.models import Identity, ImageStatus
from curation.core.services import image_store

_colours = itertools.count(1)


def tiny_png() -> bytes:
    """A distinct 8x8 PNG on every call."""
    n = next(_colours)
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (n % 256, (n // 256) % 256, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def identity(db):
    return Identity.objects.create(
        key="s1-probe-0001",
        pool="probe",
        name="Dana Whitfield",
        email="dana.whitfield@example.org",
        phone="555-201-7788",
        ssn="123-45-6789",
        data={
            "id": "s1-probe-0001",
            "name": "Dana Whitfield",
            "date_of_birth": "1987-03-14",
            "address": "12 Elm Row, Springfield, IL 62704",
            "email": "dana.whitfield@example.org",
            "phone": "555-201-7788",
            "ssn": "123-45-6789",
        },
    )


@pytest.fixture
def make_image(db):
    """Store a tiny image, pending review unless told otherwise."""

    def make(source: str = "photo", **fields):
        fields.setdefault("status", ImageStatus.PENDING)
        fields.setdefault("scenario", "hiring" if source != "diffusion" else "open")
        return image_store(
            data=tiny_png(), key=f"test/{source}-{next(_colours)}.png", source=source, **fields
        )

    return make
