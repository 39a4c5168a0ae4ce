"""The upload link's signed token: only the packet it was made for, only for a while."""

import time

import pytest
from django.core import signing
from django.urls import reverse

from curation.volunteers import tokens


def _upload_url(token: str, name: str = "curation:packet-upload") -> str:
    return reverse(name, kwargs={"token": token})


def test_a_genuine_token_opens_its_packet(client, packet):
    response = client.get(tokens.upload_path(packet))
    assert response.status_code == 200
    page = response.content.decode()
    assert packet.display_code in page
    assert 'accept="image/*" capture="environment"' in page


def test_a_wrong_token_gets_a_clear_page(client, packet):
    response = client.get(_upload_url("not-a-token"))
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert packet.display_code.encode() not in response.content


def test_a_tampered_token_is_refused(client, packet):
    token = tokens.make_token(packet)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(_upload_url(tampered)).status_code == 400


def test_another_packets_id_in_a_token_is_refused(client, make_packet):
    first, second = make_packet("hiring"), make_packet("finance")
    _, _, rest = tokens.make_token(first).partition(":")
    forged = f"{second.pk}-{second.code}:{rest}"
    response = client.get(_upload_url(forged))
    assert response.status_code == 400
    assert second.display_code.encode() not in response.content
    assert first.display_code.encode() not in response.content


def test_a_token_made_for_something_else_is_refused(client, packet):
    other_purpose = signing.TimestampSigner(salt="another.purpose").sign(
        f"{packet.pk}-{packet.code}"
    )
    assert client.get(_upload_url(other_purpose)).status_code == 400


def test_an_expired_token_gets_a_gone_page(client, packet, settings):
    token = tokens.make_token(packet)
    with pytest.raises(tokens.TokenExpired):
        tokens.packet_for_token(token, max_age_s=-1)
    settings.PACKET_TOKEN_MAX_AGE_DAYS = 30
    assert tokens.packet_for_token(token) == packet
    expired = _token_signed_at(packet, time.time() - 31 * 86400)
    response = client.get(_upload_url(expired))
    assert response.status_code == 410
    assert b"This link has expired" in response.content


def _token_signed_at(packet, when: float) -> str:
    """A token as the site would have made it at `when`."""
    signer = signing.TimestampSigner(salt=tokens.SALT)
    signer.timestamp = lambda: signing.b62_encode(int(when))
    return signer.sign(f"{packet.pk}-{packet.code}")


def test_the_json_endpoints_refuse_bad_tokens_in_json(client, packet):
    response = client.get(_upload_url("nope", "curation:packet-upload-status"))
    assert response.status_code == 400 and "does not work" in response.json()["error"]
    expired = _token_signed_at(packet, time.time() - 40 * 86400)
    response = client.post(
        _upload_url(expired, "curation:packet-upload-start"), {}, content_type="application/json"
    )
    assert response.status_code == 410 and "expired" in response.json()["error"]


def test_a_deleted_packets_token_is_refused(client, packet):
    token = tokens.make_token(packet)
    packet.delete()
    assert client.get(_upload_url(token)).status_code == 400
