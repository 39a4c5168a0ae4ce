"""Fixtures every area shares: one user per role, signed-in clients, moto's S3 server."""

import os

import pytest
from django.contrib.auth.models import Group, User

from curation.core.roles import ANNOTATOR, MAINTAINER, ROLES, VOLUNTEER
from tests.s3 import S3, MotoServer, use_s3


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test marked `postgres` skips on SQLite, for the fast inner loop; with
    REQUIRE_POSTGRES=1 (scripts/test, CI) it fails instead, so a missing PostgreSQL
    can never pass for a green suite."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    message = f"needs PostgreSQL, found {connection.vendor}: set DATABASE_URL=postgres://..."
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username)
        if role:
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
        return user

    return make


@pytest.fixture
def maintainer(make_user):
    return make_user("mara", MAINTAINER)


@pytest.fixture
def annotator(make_user):
    return make_user("ann", ANNOTATOR)


@pytest.fixture
def annotator2(make_user):
    return make_user("anton", ANNOTATOR)


@pytest.fixture
def volunteer(make_user):
    return make_user("val", VOLUNTEER)


@pytest.fixture
def client_as(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def role_users(make_user):
    """One user per role plus one with no role."""
    users = {role: make_user(f"user-{role}", role) for role in ROLES}
    users["none"] = make_user("user-none", None)
    return users


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Local-disk storage goes to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = (
        {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
            },
        }
        if not settings.S3_BUCKET
        else settings.STORAGES
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache (sign-in throttling, leases) starts empty in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer()
    server.start()
    yield server
    if server._server is not None:
        server.stop()


@pytest.fixture
def s3(settings, moto_server) -> S3:
    """The site on a fresh private bucket on moto. Requested after the autouse
    `_media_in_tmp` (which sets local storage), so these settings win."""
    return use_s3(settings, moto_server.endpoint)
