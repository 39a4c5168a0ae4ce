"""Settings: every value comes from the environment (see README.md for the list).

The embedded default needs nothing installed: SQLite under var/, files under
var/media, jobs in-process. Set DATABASE_URL, REDIS_URL and S3_BUCKET to deploy.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from benchmark.files import atomic_write_text
from curation.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/."""
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, secrets.token_urlsafe(64), mode=0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "axes",
    "csp",
    "curation.core",
    "curation.review",
    "curation.volunteers",
    "curation.scenes",
    "curation.releases",
    "curation.scoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "curation.core.middleware.ContentSecurityPolicyMiddleware",
    # Serves /static/ from STATIC_ROOT (collectstatic) in every process: no separate server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "curation.core.middleware.StorageOutageMiddleware",
    "curation.core.middleware.RQAdminRefusalMiddleware",
    # Last, so that it turns a locked-out sign-in into the one locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "curation.urls"
WSGI_APPLICATION = "curation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "curation.core.roles.roles_context",
                "curation.core.nav.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Jobs in threads and the site write at once: wait for the lock, take it up front.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Jobs: RQ when REDIS_URL is set, else in-process (a thread, so progress shows on the page).
REDIS_URL = env_redis_url("REDIS_URL")
JOBS_MODE = "rq" if REDIS_URL else env_str("JOBS_MODE", "thread")
if JOBS_MODE not in {"rq", "thread", "inline"}:
    raise ImproperlyConfigured("JOBS_MODE must be thread or inline (rq is chosen by REDIS_URL).")
# `manage.py reap` queues these kinds of run again when their worker died (their jobs are
# safe to run twice), at most until a run has started this many times.
REAPER_REQUEUE_KINDS = env_list(
    "REAPER_REQUEUE_KINDS", ["photo", "export", "scoring", "scenes", "reading"]
)
# New template forms, photos and scenes get a machine reading (OCR) from a `reading`-queue job.
READ_ON_ARRIVAL = env_bool("READ_ON_ARRIVAL", True)
REAPER_MAX_ATTEMPTS = env_int("REAPER_MAX_ATTEMPTS", 3, minimum=1)
RQ_QUEUES = {
    "default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600},
    # Bulk machine reading (about a second an image). The default workers serve it only when
    # `default` is empty (`rqworker default reading`), so a read of thousands of new forms
    # never keeps a volunteer's photo or a maintainer's export waiting.
    "reading": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600},
    # A scene batch that runs longer is stuck: RQ stops it and retries (a dead worker is noticed
    # sooner, by its missing heartbeat: curation.core.jobs.HEARTBEAT_TTL_S).
    "gpu": {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": env_int("GPU_JOB_TIMEOUT_S", 3600, minimum=60),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Storage: S3 when S3_BUCKET is set, else local disk under var/media. Objects are private.
S3_BUCKET = env_str("S3_BUCKET")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL") or None
S3_REGION = env_str("S3_REGION", "us-east-1")
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID") or None
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY") or None
S3_URL_LIFETIME_S = env_int("S3_URL_LIFETIME_S", 300, minimum=10)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"


def s3_storage(bucket, endpoint_url, region, access_key, secret_key, url_lifetime_s) -> dict:
    """The S3 storage backend: private objects, handed out only as presigned URLs."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": url_lifetime_s,
            "file_overwrite": False,
            "addressing_style": "path",
            "signature_version": "s3v4",
        },
    }


if S3_BUCKET:
    _default_storage = s3_storage(
        S3_BUCKET,
        S3_ENDPOINT_URL,
        S3_REGION,
        S3_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY,
        S3_URL_LIFETIME_S,
    )
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    # Hashed, compressed copies: far-future caching is safe (a changed file gets a new name).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "curation:login"
LOGIN_REDIRECT_URL = "curation:home"
LOGOUT_REDIRECT_URL = "curation:login"
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_S = env_int("LOGIN_FAILURE_WINDOW_S", 900, minimum=1)
# How many reverse proxies (each appending to X-Forwarded-For) stand before the site;
# 0: clients connect directly, and no forwarded header is believed.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# Sign-in throttling by django-axes, per account and per address, counted in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW_S)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "curation.core.signin.client_address"
AXES_LOCKOUT_CALLABLE = "curation.core.signin.locked_out"
AXES_VERBOSE = False

# Security: secure by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is hard to undo (browsers ship the list): only when the operator asks for it.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# `check --deploy` asks for preloading (W021); leaving it off is that deliberate choice.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Only a trusted proxy's X-Forwarded-Proto says the request came over HTTPS; without one,
# any client could claim it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"


# Content-Security-Policy (django-csp): scripts and styles only from the site's own files
# (no inline script or style attribute anywhere); curation.core.middleware adds the
# bucket's origin for images and phone uploads.
CONTENT_SECURITY_POLICY = {
    # django-rq's dashboard (maintainers only) is a third-party page with inline scripts.
    "EXCLUDE_URL_PREFIXES": ["/admin/django-rq/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # blob: the phone page previews the chosen photo before sending it.
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    },
}

# Review queue: how long a claimed item stays yours, how long a decision can be undone.
REVIEW_LEASE_SECONDS = env_int("REVIEW_LEASE_SECONDS", 300, minimum=30)
REVIEW_UNDO_SECONDS = env_int("REVIEW_UNDO_SECONDS", 120, minimum=0)

# Volunteers: packet links, upload limits (the server re-checks every object it receives).
PACKET_TOKEN_MAX_AGE_DAYS = env_int("PACKET_TOKEN_MAX_AGE_DAYS", 30, minimum=1)
PACKET_UPLOAD_URL_LIFETIME_S = env_int("PACKET_UPLOAD_URL_LIFETIME_S", 900, minimum=60)
PACKET_OPEN_LIMIT = env_int("PACKET_OPEN_LIMIT", 3, minimum=1)
PACKET_UPLOADS_PER_HOUR = env_int("PACKET_UPLOADS_PER_HOUR", 10, minimum=1)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 25_000_000, minimum=100_000)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=1_000_000)
# `manage.py cleanup` deletes raw uploads older than this on local disk (S3: a lifecycle rule).
RAW_UPLOAD_EXPIRY_DAYS = env_int("RAW_UPLOAD_EXPIRY_DAYS", 14, minimum=1)
# `manage.py cleanup_scoring` deletes stored scoring files no response set records once
# they are this old (younger ones may belong to an upload or a scoring run in progress).
SCORING_ORPHAN_HOURS = env_int("SCORING_ORPHAN_HOURS", 24, minimum=1)
# Each photo is decoded in a separate process the kernel stops past these limits.
PHOTO_DECODE_CPU_S = env_int("PHOTO_DECODE_CPU_S", 20, minimum=1)
PHOTO_DECODE_MEMORY_MB = env_int("PHOTO_DECODE_MEMORY_MB", 3072, minimum=512)
# Consent: the terms volunteers agree to (templates/curation/volunteers/terms/<version>.html);
# how long a withdrawn photo's files are kept before the cleanup deletes them.
CONSENT_TERMS_VERSION = env_str("CONSENT_TERMS_VERSION", "1")
WITHDRAWAL_GRACE_DAYS = env_int("WITHDRAWAL_GRACE_DAYS", 30, minimum=0)

# Scoring: the largest responses file accepted in one upload.
SCORING_MAX_UPLOAD_BYTES = env_int("SCORING_MAX_UPLOAD_BYTES", 64 * 1024 * 1024, minimum=1_000)
# Scoring: the optional model judge (an upload names its endpoint): per request, the
# seconds to wait and the retries after a 429/5xx/timeout; the requests at once.
SCORING_JUDGE_TIMEOUT_S = env_int("SCORING_JUDGE_TIMEOUT_S", 60, minimum=1)
SCORING_JUDGE_RETRIES = env_int("SCORING_JUDGE_RETRIES", 4, minimum=0)
SCORING_JUDGE_CONCURRENCY = env_int("SCORING_JUDGE_CONCURRENCY", 8, minimum=1)

# Where the diffusion model comes from (hub id or local folder).
SCENES_MODEL = env_str("SCENES_MODEL", "stabilityai/sd-turbo")
SCENES_DEVICE = env_str("SCENES_DEVICE", "auto")
# The folder whose *.json prompt grids the new-run page offers (besides an upload).
SCENE_GRIDS_DIR = env_str("SCENE_GRIDS_DIR")
SCENE_GRID_MAX_BYTES = env_int("SCENE_GRID_MAX_BYTES", 256 * 1024, minimum=1024)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
