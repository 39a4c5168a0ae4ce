"""The response collector against a local chat-completions server: retries, resume, key."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmark.ask import CollectError, chat_completions_url, collect_responses

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-test-0123456789-secret"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def collect(items, server, out, **options):
    settings = {"timeout": 0.3, "retries": 3, "backoff_base": 0.01, "progress": False}
    settings.update(options)
    return collect_responses(items, server.url, "test-model", out, **settings)


def test_it_builds_the_chat_completions_url():
    assert chat_completions_url("http://h:8000/v1") == "http://h:8000/v1/chat/completions"
    assert chat_completions_url("http://h/v1/") == "http://h/v1/chat/completions"
    given = "https://api.example.com/v1/chat/completions"
    assert chat_completions_url(given) == given
    with pytest.raises(CollectError, match="not an http"):
        chat_completions_url("ftp://h/v1")


def test_it_answers_every_item_through_429s_500s_timeouts_and_drops(
    tmp_path, make_release, chat_server
):
    items = make_release(tmp_path / "release", 6, jpeg_ids=("i-005",))
    chat_server.script.update(
        {"i-001": ["429"], "i-002": ["500", "500"], "i-003": ["sleep"], "i-004": ["drop"]}
    )
    out = tmp_path / "responses.jsonl"

    stats = collect(items, chat_server, out, concurrency=4, api_key=API_KEY, max_tokens=77)

    lines = read_lines(out)
    assert sorted(line["id"] for line in lines) == [f"i-{n:03d}" for n in range(6)]
    assert all(line["error"] is None and line["model"] == "test-model" for line in lines)
    assert {line["id"]: line["response"] for line in lines}["i-002"] == "answer for i-002"
    assert all(line["latency_s"] >= 0 for line in lines)
    counts = chat_server.counts()
    assert counts == {"i-000": 1, "i-001": 2, "i-002": 3, "i-003": 2, "i-004": 2, "i-005": 1}
    first, second = chat_server.requests["i-001"]
    assert second - first >= 1.0  # the 429 said Retry-After: 1
    assert (stats.total, stats.skipped, stats.answered, stats.failed) == (6, 0, 6, 0)


def test_it_sends_greedy_requests_with_the_image_type_and_the_key_as_bearer(
    tmp_path, make_release, chat_server
):
    items = make_release(tmp_path / "release", 2, jpeg_ids=("i-001",))
    out = tmp_path / "responses.jsonl"

    collect(items, chat_server, out, api_key=API_KEY, max_tokens=77)

    assert chat_server.image_types == {"i-000": "image/png", "i-001": "image/jpeg"}
    assert {(body["temperature"], body["max_tokens"]) for body in chat_server.bodies} == {(0, 77)}
    assert {body["model"] for body in chat_server.bodies} == {"test-model"}
    assert chat_server.auth_headers == {f"Bearer {API_KEY}"}
    assert API_KEY not in out.read_text()


def test_it_sends_no_authorization_without_a_key(tmp_path, make_release, chat_server):
    items = make_release(tmp_path / "release", 1)

    collect(items, chat_server, tmp_path / "responses.jsonl")

    assert chat_server.auth_headers == {""}


def test_it_records_an_error_after_its_retries_and_asks_again_next_run(
    tmp_path, make_release, chat_server
):
    items = make_release(tmp_path / "release", 3)
    chat_server.script["i-001"] = ["500", "500", "500"]
    out = tmp_path / "responses.jsonl"

    first = collect(items, chat_server, out, retries=2, api_key=API_KEY)
    second = collect(items, chat_server, out, retries=2, api_key=API_KEY)

    lines = read_lines(out)
    assert [(line["id"], line["error"] is None) for line in lines if line["id"] == "i-001"] == [
        ("i-001", False),
        ("i-001", True),
    ]
    failed_line = next(line for line in lines if line["error"] is not None)
    assert failed_line["error"].startswith("HTTP 500") and failed_line["response"] is None
    assert API_KEY not in out.read_text()
    assert chat_server.counts() == {"i-000": 1, "i-001": 4, "i-002": 1}
    assert (first.answered, first.failed) == (2, 1)
    assert (second.skipped, second.answered, second.failed) == (2, 1, 0)


def test_it_stops_when_the_endpoint_refuses_the_key(tmp_path, make_release, chat_server):
    items = make_release(tmp_path / "release", 1)
    chat_server.script["i-000"] = ["401"]

    with pytest.raises(CollectError, match="HTTP 401") as raised:
        collect(items, chat_server, tmp_path / "responses.jsonl", api_key=API_KEY)

    assert API_KEY not in str(raised.value)
    assert chat_server.counts() == {"i-000": 1}


def test_it_drops_a_line_cut_short_by_a_kill_and_asks_that_item(
    tmp_path, make_release, chat_server
):
    items = make_release(tmp_path / "release", 2)
    out = tmp_path / "responses.jsonl"
    answered = {
        "id": "i-000",
        "model": "test-model",
        "response": "x",
        "latency_s": 1,
        "error": None,
    }
    out.write_text(json.dumps(answered) + '\n{"id": "i-001", "model": "te')

    collect(items, chat_server, out)

    assert [line["id"] for line in read_lines(out)] == ["i-000", "i-001"]
    assert chat_server.counts() == {"i-001": 1}


def test_it_refuses_an_output_file_of_another_model(tmp_path, make_release, chat_server):
    items = make_release(tmp_path / "release", 1)
    out = tmp_path / "responses.jsonl"
    other = {"id": "i-000", "model": "other", "response": "x", "latency_s": 1, "error": None}
    out.write_text(json.dumps(other) + "\n")

    with pytest.raises(CollectError, match="model 'other'"):
        collect(items, chat_server, out)


def test_it_names_missing_images_before_asking(tmp_path, make_release, chat_server):
    items = make_release(tmp_path / "release", 2)
    (tmp_path / "release" / "probe" / "images" / "i-001.png").unlink()

    with pytest.raises(CollectError, match="missing .*i-001.png"):
        collect(items, chat_server, tmp_path / "responses.jsonl")

    assert chat_server.counts() == {}


def run_ask(items: Path, url: str, out: Path, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "benchmark", "ask", "--items", str(items), "--endpoint"]
    command += [url, "--model", "test-model", "--out", str(out), "--concurrency", "4"]
    command += ["--timeout", "5", "--api-key-env", "MMP_TEST_KEY"]
    env = {**os.environ, "MMP_TEST_KEY": API_KEY, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, text=True, **popen)


def answered_ids(out: Path) -> set[str]:
    lines = out.read_text().splitlines() if out.exists() else []
    complete = [json.loads(line) for line in lines if line.endswith("}")]
    return {line["id"] for line in complete if line["error"] is None}


def test_it_resumes_after_a_kill_without_asking_an_answered_item_again(
    tmp_path, make_release, holding_chat_server
):
    items = make_release(tmp_path / "release", 40)
    out = tmp_path / "responses.jsonl"
    server = holding_chat_server
    first = run_ask(items, server.url, out, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(answered_ids(out)) < 12 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # 12+ answers written, the next requests held
    first.communicate()
    answered_before = answered_ids(out)
    asked_before = server.counts()
    server.release.set()

    second = run_ask(items, server.url, out, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output, errors = second.communicate(timeout=60)

    assert 12 <= len(answered_before) <= 16  # at most the 4 in flight at the 12th slip by
    asked_after = server.counts()
    assert {item_id: asked_after[item_id] for item_id in answered_before} == {
        item_id: asked_before[item_id] for item_id in answered_before
    }
    lines = read_lines(out)
    assert sorted(line["id"] for line in lines) == [f"i-{n:03d}" for n in range(40)]
    assert all(line["error"] is None for line in lines)
    assert second.returncode == 0
    assert f"{len(answered_before)} already answered" in output
    assert API_KEY not in out.read_text() + output + errors
    assert server.auth_headers == {f"Bearer {API_KEY}"}


def test_it_gives_up_when_items_keep_failing_in_a_row(tmp_path, make_release):
    items = make_release(tmp_path / "release", 8)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}/v1"  # bound, never listening
        with pytest.raises(CollectError, match="3 items in a row failed"):
            collect_responses(
                items,
                dead,
                "test-model",
                tmp_path / "responses.jsonl",
                retries=0,
                concurrency=1,
                progress=False,
                give_up_after=3,
            )
    lines = read_lines(tmp_path / "responses.jsonl")
    assert len(lines) == 3
    assert all(line["error"].startswith("connection failed") for line in lines)


def test_it_records_how_the_responses_were_made_and_refuses_to_mix_settings(
    tmp_path, make_release, chat_server
):
    items = make_release(tmp_path / "release", 2)
    (tmp_path / "release" / "manifest.json").write_text('{"version": "v9"}')
    out = tmp_path / "responses.jsonl"

    collect(items, chat_server, out, seed=7)

    made = json.loads((tmp_path / "responses.jsonl.provenance.json").read_text())
    assert made["decoding"] == {"temperature": 0, "max_tokens": 150}
    assert (made["seed"], made["release_version"], made["model"]) == (7, "v9", "test-model")
    assert len(made["manifest_sha256"]) == 64 and made["endpoint"].endswith("/chat/completions")
    assert {body["seed"] for body in chat_server.bodies} == {7}
    with pytest.raises(CollectError, match="other settings \\(decoding differ"):
        collect(items, chat_server, out, seed=7, max_tokens=20)
