"""Walk every URL pattern with every role and an anonymous user."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_KWARGS = {
    "int": "999999",
    "str": "no-such-thing",
    "slug": "no-such-thing",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "no/such",
}


def _curation_patterns():
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "curation":
            yield from _flatten(entry.url_patterns, "")


def _flatten(patterns, prefix):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _flatten(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _sample_url(route: str) -> str:
    def fill(match):
        converter = match.group(1) or "str"
        return SAMPLE_KWARGS.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def test_every_view_declares_its_roles():
    undeclared = [
        route
        for route, pattern in _curation_patterns()
        if not hasattr(pattern.callback, "allowed_roles")
    ]
    assert undeclared == []


@pytest.mark.django_db
def test_every_url_checks_the_role(client, role_users):
    checked = 0
    for route, pattern in _curation_patterns():
        allowed = pattern.callback.allowed_roles
        if allowed is None:
            continue
        url = _sample_url(route)
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        for role, user in role_users.items():
            client.force_login(user)
            response = client.get(url)
            status = response.status_code
            if role in allowed:
                assert status != 403, (url, role)
                assert "/accounts/login/" not in response.get("Location", ""), (url, role)
            else:
                assert status == 403, (url, role, status)
        checked += 1
    assert checked >= 5
