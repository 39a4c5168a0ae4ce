"""Settings for the test suite: the real settings, minus HTTPS redirects and slow hashing.

Jobs run inline; tests of the RQ path switch JOBS_MODE to "rq" themselves and use
TEST_REDIS_URL (scripts/test points it at a real Redis).
"""

import os

from curation.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JOBS_MODE = "inline"
# OCR costs about a second an image: only the tests of reading turn it on.
READ_ON_ARRIVAL = False
# Tests render templates without running collectstatic first: plain names, no manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RQ_QUEUES = {
    "default": {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 600},
    "reading": {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 600},
    "gpu": {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 600},
}
