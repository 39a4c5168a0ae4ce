"""Sign-in throttling: django-axes counts failures per account and per address in the
database (shared by every process); this module adds what axes leaves to the site.

Axes checks the lock before the password hash and records a failure after it, so many
simultaneous guesses would all pass the check. `one_attempt_at_a_time` serialises the
attempts on one account or from one address (a PostgreSQL advisory lock, or SQLite's
single writer), so that each check sees every failure recorded before it: 30 guesses at
once against a limit of 5 hash 5 passwords. `client_address` is the address axes
counts: behind TRUSTED_PROXY_COUNT reverse proxies, the one the outermost proxy saw.
"""

import contextlib
import hashlib

from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import render


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with trusted proxies in front, the entry of
    X-Forwarded-For that the outermost of them appended (entries left of it are the
    client's own claims and can be forged)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@contextlib.contextmanager
def one_attempt_at_a_time(username: str, address: str):
    """One transaction per attempt, holding a lock per account and per address (taken
    in a fixed order, so two attempts never wait on each other crosswise)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            keys = sorted({_lock_key(f"user:{username}"), _lock_key(f"addr:{address}")})
            with connection.cursor() as cursor:
                for key in keys:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        # SQLite: settings open every transaction IMMEDIATE, which takes the one write lock.
        yield


def _lock_key(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"signin:{name}".encode()).digest()[:8], "big", signed=True
    )


def locked_out(request, response=None, credentials=None):
    """The one page a locked-out sign-in gets (axes's AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "curation/core/locked_out.html", {"minutes": minutes}, status=429)
