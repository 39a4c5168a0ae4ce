"""Settings: a strict Content-Security-Policy, the proxy's HTTPS header believed only when
a proxy is configured, HSTS preload only on request."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"""\sstyle\s*=|<style\b|\son[a-z]+\s*=\s*["']""", re.I)


def _setting(name: str, **env) -> str:
    """A setting's value as `manage.py shell` prints it with this environment."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.conf import settings; print(repr(settings.{name}))",
        ],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "k" * 60,
            "DJANGO_SETTINGS_MODULE": "curation.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db
def test_every_page_carries_a_strict_policy(client):
    policy = client.get(reverse("curation:login"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in policy and directives["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script_or_style():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in (ROOT / "templates").rglob("*.html")
        for pattern in (INLINE_SCRIPT, INLINE_STYLE)
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []


@pytest.mark.slow
def test_the_forwarded_proto_header_is_believed_only_behind_a_trusted_proxy():
    """Before: always believed, so any client could pass for HTTPS."""
    assert _setting("SECURE_PROXY_SSL_HEADER") == "None"
    trusted = _setting("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXY_COUNT="1")
    assert trusted == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.slow
def test_hsts_preload_is_opt_in():
    assert _setting("SECURE_HSTS_PRELOAD") == "False"
    assert _setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1") == "True"


@pytest.mark.django_db
def test_the_policy_lets_the_browser_reach_the_bucket_only_when_files_are_on_s3(client, settings):
    assert "s3" not in client.get(reverse("curation:login"))["Content-Security-Policy"]
    settings.S3_BUCKET, settings.S3_ENDPOINT_URL = "bucket", "http://127.0.0.1:9000/"

    policy = client.get(reverse("curation:login"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["connect-src"] == "'self' http://127.0.0.1:9000"
    assert directives["script-src"] == "'self'"
