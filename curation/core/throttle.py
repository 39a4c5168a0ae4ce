"""Throttle failed sign-ins per username and per client address, in the cache."""

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    return [f"signin-fail:user:{username.lower()}", f"signin-fail:addr:{address}"]


def is_locked(username: str, address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(username, address))


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_S)
        cache.incr(key)


def clear(username: str, address: str) -> None:
    cache.delete_many(_keys(username, address))
