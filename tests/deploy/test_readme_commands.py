"""The long-running processes the README's "Start" block names are the ones the systemd
units, the compose file and the production smoke test start, with the same arguments
(the scheduler with every worker, the reaper as a long-lived process). Fast: reads files."""

import re
import shlex
from pathlib import Path

import pytest

from tests.deploy import stack as stack_module

ROOT = Path(__file__).resolve().parents[2]


def _readme_start_commands() -> dict[str, list[str]]:
    """The README's processes by role, each as its arguments after the program."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("### Start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = {}
    for line in block.splitlines():
        if not line.startswith(".venv/bin/"):
            continue
        words = shlex.split(line.split("#", 1)[0])
        args = words[1:]
        if words[0].endswith("gunicorn"):
            commands["web"] = args
        elif args[1:3] == ["rqworker", "default"]:
            commands["default worker"] = args[1:]
        elif args[1:3] == ["rqworker", "gpu"]:
            commands["gpu worker"] = args[1:]
        elif args[1:2] == ["reap"]:
            commands["reaper"] = args[1:]
    return commands


def _without_periods(args: list[str]) -> list[str]:
    """`reap --every 60` in production, a shorter period in the smoke test."""
    return [re.sub(r"^\d+(\.\d+)?$", "N", arg) for arg in args]


def _systemd_commands() -> list[list[str]]:
    found = []
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append(shlex.split(line.removeprefix("ExecStart=")))
    return found


def _smoke_test_commands(monkeypatch, tmp_path) -> list[list[str]]:
    started = []
    monkeypatch.setattr(stack_module, "wait_for", lambda *args, **kwargs: True)
    monkeypatch.setattr(
        stack_module.Stack, "start", lambda self, name, command, **env: started.append(command)
    )
    stack = stack_module.Stack(tmp_path, database_url="postgres://x/y", s3_env={}, model="m")
    stack.start_web()
    stack.start_default_worker("default-1")
    stack.start_gpu_worker("gpu-1")
    stack.start_reaper()
    return started


def _contains(command: list[str], args: list[str]) -> bool:
    command, args = _without_periods(command), _without_periods(args)
    return any(command[i : i + len(args)] == args for i in range(len(command)))


@pytest.fixture
def readme_commands():
    commands = _readme_start_commands()
    assert set(commands) == {"web", "default worker", "gpu worker", "reaper"}
    return commands


def test_every_worker_the_readme_starts_runs_the_scheduler_and_the_reaper_runs_by_itself(
    readme_commands,
):
    assert "--with-scheduler" in readme_commands["default worker"]
    assert "--with-scheduler" in readme_commands["gpu worker"]
    assert readme_commands["reaper"][:2] == ["reap", "--every"]


@pytest.mark.parametrize("role", ["web", "default worker", "gpu worker", "reaper"])
def test_systemd_and_the_smoke_test_start_what_the_readme_says(
    readme_commands, role, monkeypatch, tmp_path
):
    args = readme_commands[role]
    assert any(_contains(command, args) for command in _systemd_commands()), role
    assert any(_contains(command, args) for command in _smoke_test_commands(monkeypatch, tmp_path))


@pytest.mark.parametrize("role", ["web", "default worker", "reaper"])
def test_the_compose_file_starts_what_the_readme_says(readme_commands, role):
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert " ".join(readme_commands[role]) in compose, role
