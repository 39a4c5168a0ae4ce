"""The printable packet: instructions, values, QR link and the blank form, A4 or Letter."""

import re
from urllib.parse import urlsplit

from django.urls import reverse

from curation.volunteers import services

A4_BOX = b"/MediaBox [ 0 0 595.2756 841.8898 ]"
LETTER_BOX = b"/MediaBox [ 0 0 612 792 ]"


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _printed_links(pdf: bytes) -> list[str]:
    return [link.decode() for link in re.findall(rb"\((https?://[^)]*/u/[^)]*)\) Tj", pdf)]


def test_a_packet_prints_on_a4_by_default_and_on_letter(client_as, volunteer, packet):
    client = client_as(volunteer)
    url = reverse("curation:packet-pdf", args=[packet.code])
    a4 = client.get(url)
    assert a4["Content-Type"] == "application/pdf"
    assert a4.content.startswith(b"%PDF-") and A4_BOX in a4.content
    letter = client.get(url, {"paper": "letter"}).content
    assert LETTER_BOX in letter and A4_BOX not in letter
    assert _pages(a4.content) == _pages(letter) == 2


def test_the_packet_carries_its_code_values_instructions_and_a_working_link(
    client, client_as, volunteer, packet, settings
):
    pdf = client_as(volunteer).get(reverse("curation:packet-pdf", args=[packet.code])).content
    assert packet.display_code.encode() in pdf
    for field in services.packet_values(packet):
        assert field["value"].encode() in pdf, field
    for phrase in (b"by hand", b"real personal data", b"whole sheet", b"No faces"):
        assert phrase in pdf
    assert pdf.count(b"/Subtype /Image") >= 2  # the QR code and the blank form
    [link] = _printed_links(pdf)
    client.logout()
    assert link.startswith(settings.SITE_URL)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 200 and packet.display_code.encode() in response.content


def test_a_batch_prints_as_one_pdf(client_as, maintainer, probe_identities):
    batch = services.packets_create_batch(scenario="open", count=3, user=maintainer)
    response = client_as(maintainer).get(
        reverse("curation:packet-batch-pdf", args=[batch.pk]), {"paper": "letter"}
    )
    assert response.status_code == 200 and LETTER_BOX in response.content
    assert _pages(response.content) == 2 * 3
    codes = set(batch.packets.values_list("code", flat=True))
    assert len(_printed_links(response.content)) == 3
    for code in codes:
        assert f"{code[:4]}-{code[4:]}".encode() in response.content
