"""The suite's own rule: where PostgreSQL is required (scripts/test, CI), a test marked
`postgres` run on SQLite fails; it cannot pass for green by skipping."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_postgres_test_on_sqlite_fails_when_postgres_is_required(tmp_path):
    env = {
        **os.environ,
        "REQUIRE_POSTGRES": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [sys.executable, "-m", "pytest", "tests/review/test_claim.py", "-m", "postgres"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "needs PostgreSQL, found sqlite" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
