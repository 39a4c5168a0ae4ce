"""Fixtures for the volunteers area: probe identities, packets, and a counter of the bytes
the site reads from storage (moto's S3 server comes from the root conftest)."""

import pytest

from curation.core import services as core_services
from curation.core.models import Identity, Pool
from curation.volunteers import consent, services
from curation.volunteers.models import Packet
from tests.volunteers.helpers import TEST_MAX_BYTES, StorageReadCounter


@pytest.fixture(autouse=True)
def _small_photo_limit(settings):
    settings.PHOTO_MAX_BYTES = TEST_MAX_BYTES


@pytest.fixture
def probe_identities(db):
    core_services.identities_create_pools(memorisation=2, probe=6, seed=11)
    return list(Identity.objects.filter(pool=Pool.PROBE).order_by("key"))


@pytest.fixture
def packet(probe_identities, volunteer) -> Packet:
    """A packet of a volunteer who agreed to the current terms."""
    consent.consent_record(user=volunteer)
    return services.packet_request(user=volunteer, scenario="hiring")


@pytest.fixture
def make_packet(probe_identities):
    def make(scenario: str = "hiring", volunteer=None) -> Packet:
        batch = services.packets_create_batch(scenario=scenario, count=1, user=None)
        packet = batch.packets.get()
        if volunteer is not None:
            consent.consent_record(user=volunteer)
            packet.volunteer = volunteer
            packet.save()
        return packet

    return make


@pytest.fixture
def read_counter(monkeypatch) -> StorageReadCounter:
    return StorageReadCounter(monkeypatch)
