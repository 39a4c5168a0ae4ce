"""Who may see which packet page."""

import pytest
from django.urls import reverse

from curation.volunteers import tokens


@pytest.fixture
def others_packet(make_packet, make_user):
    return make_packet(volunteer=make_user("olga", "volunteer"))


def _packet_urls(packet) -> list[str]:
    return [
        reverse("curation:packet-detail", args=[packet.code]),
        reverse("curation:packet-pdf", args=[packet.code]) + "?paper=letter",
    ]


def test_a_volunteer_sees_their_own_packet(client_as, volunteer, packet):
    client = client_as(volunteer)
    for url in _packet_urls(packet):
        assert client.get(url).status_code == 200, url
    page = client.get(_packet_urls(packet)[0]).content.decode()
    assert tokens.upload_path(packet).split(":")[0] in page
    assert packet.identity.key not in page


def test_a_volunteer_cannot_see_another_volunteers_packet(client_as, volunteer, others_packet):
    client = client_as(volunteer)
    for url in _packet_urls(others_packet):
        assert client.get(url).status_code == 404, url


def test_maintainers_see_every_packet_and_its_identity(client_as, maintainer, others_packet):
    client = client_as(maintainer)
    for url in _packet_urls(others_packet):
        assert client.get(url).status_code == 200, url
    page = client.get(_packet_urls(others_packet)[0]).content.decode()
    assert others_packet.identity.key in page and "olga" in page


def test_annotators_have_no_packet_pages(client_as, annotator, packet):
    client = client_as(annotator)
    for url in [*_packet_urls(packet), reverse("curation:packet-mine")]:
        assert client.get(url).status_code == 403, url


def test_only_maintainers_manage_batches(client_as, volunteer, maintainer, packet):
    batch_urls = [reverse("curation:packet-list")]
    client = client_as(volunteer)
    for url in batch_urls:
        assert client.get(url).status_code == 403
    reprocess = reverse("curation:packet-reprocess", args=[packet.code])
    assert client.post(reprocess).status_code == 403
    assert client_as(maintainer).get(batch_urls[0]).status_code == 200


def test_anonymous_people_are_sent_to_sign_in_except_on_the_upload_page(client, packet):
    for url in [*_packet_urls(packet), reverse("curation:packet-mine")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(tokens.upload_path(packet)).status_code == 200


def test_the_home_page_sends_volunteers_to_their_packets(client_as, volunteer):
    response = client_as(volunteer).get(reverse("curation:home"))
    assert response["Location"] == reverse("curation:packet-mine")


def test_the_packet_page_links_to_the_upload_page_through_site_url(
    settings, client_as, volunteer, packet
):
    settings.SITE_URL = "http://192.168.1.20:8123"
    page = client_as(volunteer).get(_packet_urls(packet)[0]).content.decode()
    assert f'href="http://192.168.1.20:8123{tokens.upload_path(packet)}"' in page
