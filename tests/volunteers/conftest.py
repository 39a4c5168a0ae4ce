"""Fixtures for the volunteers area: moto's S3 server over HTTP, probe identities,
packets, and a counter of the bytes the site reads from storage."""

import pytest

from curation.core import services as core_services
from curation.core.models import Identity, Pool
from curation.volunteers import services
from curation.volunteers.models import Packet
from tests.volunteers.helpers import S3, TEST_MAX_BYTES, MotoServer, StorageReadCounter, use_s3


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer()
    server.start()
    yield server
    if server._server is not None:
        server.stop()


@pytest.fixture
def s3(settings, moto_server) -> S3:
    """S3 storage on moto. Requested after the root conftest's autouse `_media_in_tmp`
    (which sets local storage), so these settings win."""
    return use_s3(settings, moto_server.endpoint)


@pytest.fixture(autouse=True)
def _small_photo_limit(settings):
    settings.PHOTO_MAX_BYTES = TEST_MAX_BYTES


@pytest.fixture
def probe_identities(db):
    core_services.identities_create_pools(memorisation=2, probe=6, seed=11)
    return list(Identity.objects.filter(pool=Pool.PROBE).order_by("key"))


@pytest.fixture
def packet(probe_identities, volunteer) -> Packet:
    return services.packet_request(user=volunteer, scenario="hiring")


@pytest.fixture
def make_packet(probe_identities):
    def make(scenario: str = "hiring", volunteer=None) -> Packet:
        batch = services.packets_create_batch(scenario=scenario, count=1, user=None)
        packet = batch.packets.get()
        if volunteer is not None:
            packet.volunteer = volunteer
            packet.save()
        return packet

    return make


@pytest.fixture
def read_counter(monkeypatch) -> StorageReadCounter:
    return StorageReadCounter(monkeypatch)
