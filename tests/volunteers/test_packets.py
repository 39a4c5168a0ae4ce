"""Creating, handing out and finding packets."""

from collections import Counter

import pytest
from django.urls import reverse

from curation.core.models import Pool
from curation.volunteers import consent, services
from curation.volunteers.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Packet,
    PacketStatus,
    UploadState,
)


def test_a_batch_gives_each_probe_identity_one_packet_per_scenario(probe_identities, maintainer):
    batch = services.packets_create_batch(scenario="finance", count=100, user=maintainer)
    packets = list(batch.packets.select_related("identity"))
    assert len(packets) == len(probe_identities)
    assert {packet.identity.pool for packet in packets} == {Pool.PROBE}
    assert len({packet.identity_id for packet in packets}) == len(packets)
    for packet in packets:
        assert len(packet.code) == CODE_LENGTH and set(packet.code) <= set(CODE_ALPHABET)
        assert packet.status == PacketStatus.ISSUED and packet.volunteer is None
    with pytest.raises(services.PacketUnavailable, match="already has a finance packet"):
        services.packets_create_batch(scenario="finance", count=1, user=maintainer)


def test_open_context_packets_rotate_through_the_target_types(probe_identities, maintainer):
    batch = services.packets_create_batch(scenario="open", count=6, user=maintainer)
    assert Counter(batch.packets.values_list("target_type", flat=True)) == {
        "email": 2,
        "phone": 2,
        "ssn": 2,
    }
    more = services.packets_create_batch(scenario="open", count=100, user=maintainer)
    assert more.packets.count() == 2 * len(probe_identities)
    pairs = list(Packet.objects.values_list("identity_id", "target_type"))
    assert len(pairs) == len(set(pairs)) == 3 * len(probe_identities)


def test_a_volunteer_gets_an_unclaimed_packet_before_a_new_one(
    probe_identities, maintainer, volunteer
):
    bulk = services.packets_create_batch(scenario="hiring", count=1, user=maintainer)
    first = services.packet_request(user=volunteer, scenario="hiring")
    assert first == bulk.packets.get() and first.volunteer == volunteer
    second = services.packet_request(user=volunteer, scenario="hiring")
    assert second.batch is None and second.identity != first.identity


def test_a_volunteer_may_hold_only_a_few_packets_without_a_photo(
    probe_identities, volunteer, settings
):
    settings.PACKET_OPEN_LIMIT = 2
    services.packet_request(user=volunteer, scenario="hiring")
    services.packet_request(user=volunteer, scenario="finance")
    with pytest.raises(services.PacketUnavailable, match="2 packets waiting for a photo"):
        services.packet_request(user=volunteer, scenario="verification")


def test_it_says_so_when_no_probe_identity_is_free(probe_identities, maintainer, volunteer):
    services.packets_create_batch(scenario="verification", count=100, user=maintainer)
    Packet.objects.update(volunteer=maintainer)
    with pytest.raises(services.PacketUnavailable, match="No verification packet is free"):
        services.packet_request(user=volunteer, scenario="verification")


def test_the_request_view_hands_out_a_packet(client_as, volunteer, probe_identities):
    client = client_as(volunteer)
    response = client.post(reverse("curation:packet-request"), {"scenario": "hiring"})
    packet = Packet.objects.get(volunteer=volunteer)
    assert response["Location"] == reverse("curation:packet-detail", args=[packet.code])
    page = client.get(reverse("curation:packet-mine")).content.decode()
    assert packet.display_code in page and "Issued" in page


def test_a_printed_code_claims_an_unclaimed_packet(client_as, volunteer, make_packet):
    packet = make_packet()
    typed = f" {packet.code[:4].lower()}-{packet.code[4:]} "
    response = client_as(volunteer).post(reverse("curation:packet-find"), {"code": typed})
    assert response["Location"] == reverse("curation:packet-detail", args=[packet.code])
    packet.refresh_from_db()
    assert packet.volunteer == volunteer


def test_a_code_never_opens_someone_elses_packet(client_as, volunteer, make_user, make_packet):
    other = make_user("olga", "volunteer")
    packet = make_packet(volunteer=other)
    client = client_as(volunteer)
    response = client.post(reverse("curation:packet-find"), {"code": packet.code}, follow=True)
    assert b"No packet of yours has this code" in response.content
    packet.refresh_from_db()
    assert packet.volunteer == other
    assert client.get(reverse("curation:packet-detail", args=[packet.code])).status_code == 404


def test_wrong_codes_are_throttled(client_as, volunteer, make_packet, settings):
    settings.PACKET_CODE_TRIES = 3
    packet = make_packet()
    client = client_as(volunteer)
    for attempt in range(3):
        client.post(reverse("curation:packet-find"), {"code": f"WRONG{attempt:03d}"})
    response = client.post(reverse("curation:packet-find"), {"code": packet.code}, follow=True)
    assert b"Too many wrong codes" in response.content
    packet.refresh_from_db()
    assert packet.volunteer is None


def test_maintainers_create_batches_and_filter_by_status(client_as, maintainer, probe_identities):
    client = client_as(maintainer)
    response = client.post(reverse("curation:packet-list"), {"scenario": "hiring", "count": 4})
    assert response.status_code == 302
    assert Packet.objects.filter(scenario="hiring").count() == 4
    page = client.get(reverse("curation:packet-list"), {"status": "issued"}).content.decode()
    assert page.count('class="code"') == 4
    page = client.get(reverse("curation:packet-list"), {"status": "accepted"}).content.decode()
    assert 'class="code"' not in page


def test_an_empty_photo_does_not_free_a_packet_slot(probe_identities, volunteer, settings):
    """Before: one volunteer held 9 packets against a limit of 3 by sending empty files."""
    settings.PACKET_OPEN_LIMIT = 2
    consent.consent_record(user=volunteer)
    for scenario in ("hiring", "finance"):
        packet = services.packet_request(user=volunteer, scenario=scenario)
        upload = services.upload_start(
            packet, declared_type="image/jpeg", declared_size=None, local_url="/"
        ).upload
        upload.state, upload.reason_code = UploadState.FAILED, "empty"
        upload.save()
        packet.current_upload = upload
        packet.save()

    with pytest.raises(services.PacketUnavailable, match="2 packets waiting for a photo"):
        services.packet_request(user=volunteer, scenario="verification")
