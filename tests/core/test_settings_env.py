"""Start-up with bad values stops with a message naming the variable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "0",
    "ALLOWED_HOSTS": "curation.example.org",
    "DATABASE_URL": "sqlite:////tmp/mmp-deploy-check.sqlite3",
}


def _manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "S3_BUCKET"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "curation.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://nobody@nowhere/db"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("DEBUG", "perhaps"),
        ("SECRET_KEY", "short"),
        ("S3_URL_LIFETIME_S", "soon"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    result = _manage("check", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_check_deploy_reports_nothing_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
