"""`pip install .` into an empty virtual environment gives a working `mmprivacy` without
Django or the diffusion stack: the library stands on its own, as in a notebook."""

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone would not hold, or what the build would trip over.
NOT_SOURCE = (".git", ".venv", "var", "__pycache__", "*.egg-info", "build", ".*_cache")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh virtual environment with the project installed from a
    copy of the working tree (a build writes into its source folder; not into ours)."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(source)], cwd=base)
    return bin_dir


def _run(command, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_library_comes_from_the_installed_copy_without_django_or_torch(installed, tmp_path):
    probe = "import benchmark; print(benchmark.__file__)"
    where = _run([installed / "python", "-c", probe], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(installed.parent)
    for absent in ("django", "torch", "diffusers"):
        result = _run([installed / "python", "-c", f"import {absent}"], tmp_path, check=False)
        assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr, absent


def test_mmprivacy_makes_identities_and_renders_their_forms(installed, tmp_path):
    mmprivacy = installed / "mmprivacy"
    identities = ["identities", "--memorisation", "3", "--probe", "2", "--seed", "1"]
    _run([mmprivacy, *identities, "--out", "ids"], cwd=tmp_path)
    probe = (tmp_path / "ids" / "probe.jsonl").read_text().splitlines()
    assert len(probe) == 2
    render = ["render", "--identities", "ids/probe.jsonl", "--scenario", "hiring", "--variants"]
    _run([mmprivacy, *render, "0", "--workers", "1", "--out", "forms"], cwd=tmp_path)
    fields = [json.loads(line) for line in (tmp_path / "forms" / "fields.jsonl").open()]
    assert {record["identity_id"] for record in fields} == {json.loads(p)["id"] for p in probe}
    for record in fields:
        assert (tmp_path / "forms" / record["image"]).stat().st_size > 0


@pytest.mark.parametrize("command", ["score", "check-release"])
def test_mmprivacy_offers_scoring_and_the_release_check(installed, tmp_path, command):
    result = _run([installed / "mmprivacy", command, "--help"], cwd=tmp_path)
    assert f"{command} [-h]" in result.stdout


def test_mmprivacy_is_python_dash_m_benchmark(installed, tmp_path):
    as_script = _run([installed / "mmprivacy", "--help"], cwd=tmp_path).stdout
    as_module = _run([installed / "python", "-m", "benchmark", "--help"], cwd=tmp_path).stdout
    assert as_script == as_module and "identities" in as_script


def test_read_check_without_the_reading_extra_says_how_to_install_it(installed, tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 32), "white").save(tmp_path / "blank.png")

    result = _run([installed / "mmprivacy", "read-check", "blank.png"], tmp_path, check=False)

    assert result.returncode == 2 and result.stdout == ""
    assert "pip install 'mmprivacy[reading]'" in result.stderr
