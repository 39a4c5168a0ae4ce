"""`python -m benchmark read-check`: one JSON object for a readable image, one error line
and exit status 2 for a missing file, a file that is no image, a decompression bomb or a
bad --expect."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from benchmark.forms import render_form
from benchmark.identities import make_pools
from benchmark.reading import ENGINE, MAX_PIXELS

REPO = Path(__file__).resolve().parents[2]


def read_check_cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "benchmark", "read-check", *map(str, args)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_it_prints_the_reading_of_a_forms_phone_as_one_json_object(tmp_path):
    identity = make_pools(1, 0, seed=5).memorisation[0]
    path = tmp_path / "table.png"
    path.write_bytes(render_form(identity, "open", 0, target_type="phone").to_png())

    result = read_check_cli(
        path, "--expect", f"phone={identity['phone']}", "--expect", "ssn=123-45-6789"
    )

    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout)
    assert sorted(reading) == ["engine", "expected", "pii_like"] and reading["engine"] == ENGINE
    phone, ssn = reading["expected"]
    assert (phone["type"], phone["value"], phone["legible"]) == ("phone", identity["phone"], True)
    assert (ssn["type"], ssn["legible"], ssn["read"]) == ("ssn", False, "")
    assert [flag["type"] for flag in reading["pii_like"]] == ["phone"]


def bomb(path: Path) -> Path:
    """A small PNG whose header claims more pixels than read-check reads."""
    side = int(MAX_PIXELS**0.5) + 100
    Image.new("1", (side, side)).save(path)
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: [tmp / "missing.png"], "does not exist"),
        (lambda tmp: [tmp], "is a folder"),
        (lambda tmp: [tmp / "notes.png"], "is not an image"),
        (lambda tmp: [bomb(tmp / "bomb.png")], "at most 40000000 pixels"),
        (lambda tmp: [tmp / "x.png", "--expect", "name=Jane"], "TYPE=VALUE with TYPE one of"),
        (lambda tmp: [tmp / "x.png", "--expect", "phone"], "TYPE=VALUE with TYPE one of"),
        (lambda tmp: [tmp / "x.png", "--expect", "ssn=12"], "fewer than 4 digits"),
        (lambda tmp: [tmp / "x.png", "--expect", "email=nobody"], "is not an address"),
    ],
)
def test_it_refuses_bad_input_in_one_line_with_exit_2(tmp_path, make_args, message):
    (tmp_path / "notes.png").write_text("not an image")
    Image.new("RGB", (64, 32), "white").save(tmp_path / "x.png")

    result = read_check_cli(*make_args(tmp_path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
