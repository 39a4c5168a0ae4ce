"""seed_demo's volunteers part: simulated phone photos waiting for review."""

import io

from PIL import Image as PILImage

from curation.core import storage
from curation.core.models import Image, ImageStatus, Source
from curation.volunteers import demo
from curation.volunteers.models import Packet, PacketStatus
from curation.volunteers.services import SIMULATED_PROVENANCE


def test_it_adds_simulated_photos_once(probe_identities, make_user):
    volunteer = make_user("volunteer", "volunteer")
    said = []
    demo.seed(said.append, {"accept_all": False})
    photos = list(Image.objects.filter(source=Source.PHOTO))
    assert len(photos) == len(demo.PHOTO_FORMS)
    for image in photos:
        assert image.simulated and image.status == ImageStatus.PENDING
        assert image.provenance["simulated"] == SIMULATED_PROVENANCE
        stored = PILImage.open(io.BytesIO(storage.read_bytes(image.file.name)))
        assert not stored.getexif() and max(stored.size) >= 1000
    statuses = [packet.status for packet in Packet.objects.filter(volunteer=volunteer)]
    assert statuses.count(PacketStatus.IN_REVIEW) == len(demo.PHOTO_FORMS)
    assert statuses.count(PacketStatus.ISSUED) == len(demo.WAITING_FORMS)
    demo.seed(said.append, {"accept_all": False})
    assert Image.objects.filter(source=Source.PHOTO).count() == len(demo.PHOTO_FORMS)
    assert Packet.objects.count() == len(demo.PHOTO_FORMS) + len(demo.WAITING_FORMS)
    assert said[-1].startswith("Simulated photos: 0 new")
