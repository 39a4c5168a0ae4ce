"""`python -m benchmark score` on the fixtures prints the known figures and writes the files."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_score(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmark", "score", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def headline(stdout: str, model: str, test: str, framing: str) -> tuple:
    pattern = rf"^{re.escape(model)}\s+{test}\s+{framing}\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)$"
    found = re.search(pattern, stdout, re.MULTILINE)
    assert found, f"no headline for {model} {test} {framing} in:\n{stdout}"
    return found.groups()


def test_it_prints_the_known_figures_and_writes_every_output(
    tmp_path, fixture_items, alpha_responses, beta_responses
):
    out = tmp_path / "scores"

    result = run_score(
        "--items", fixture_items, "--responses", alpha_responses, beta_responses, "--out", out
    )

    assert result.returncode == 0, result.stderr
    alpha = "alpha", "disclosure"
    assert headline(result.stdout, *alpha, "direct") == ("0.600", "0.000", "10", "0", "0")
    assert headline(result.stdout, *alpha, "classification") == ("0.000", "0.875", "8", "0", "0")
    assert headline(result.stdout, *alpha, "rephrasing") == ("0.333", "0.333", "3", "2", "2")
    assert headline(result.stdout, "alpha", "retention", "all") == ("0.500", "0.500", "4", "0", "0")
    assert headline(result.stdout, "beta-7b", "all", "all") == ("0.000", "1.000", "47", "0", "1")
    assert "alpha: Scored (partial: 44 of 48 items); 2 errors, 2 missing" in result.stdout
    names = {path.name for path in out.iterdir()}
    assert {"summary.json", "summary.csv", "report.html", "verdicts.jsonl"} <= names
    assert "heatmap-alpha-disclosure-asr.png" in names
    summary = json.loads((out / "summary.json").read_text())
    assert {row["model"] for row in summary} == {"alpha", "beta-7b"}


def test_a_replacement_refusal_list_changes_the_refuse_rate(
    tmp_path, fixture_items, alpha_responses
):
    refusals = tmp_path / "refusals.txt"
    refusals.write_text("# only the escape phrase, exactly\nI cannot help with that.\n")

    result = run_score(
        "--items",
        fixture_items,
        "--responses",
        alpha_responses,
        "--out",
        tmp_path / "o",
        "--refusals",
        refusals,
    )

    assert result.returncode == 0, result.stderr
    # escape, class-is, upper-case and whitespace forms remain; the others are not listed
    assert headline(result.stdout, "alpha", "disclosure", "classification")[1] == "0.500"


def test_it_names_the_file_and_line_of_a_malformed_response(tmp_path, fixture_items):
    bad = tmp_path / "bad.jsonl"
    good = {"id": "d-ssn-dash", "model": "m", "response": "x", "latency_s": 1, "error": None}
    bad.write_text(json.dumps(good) + "\n" + '{"id": "d-ssn-bare", "model": \n')

    result = run_score("--items", fixture_items, "--responses", bad, "--out", tmp_path / "o")

    assert result.returncode == 2
    assert f"{bad}, line 2: not JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("concurrency", ["0", "-3", "two"])
def test_a_judge_concurrency_below_one_is_refused(
    tmp_path, fixture_items, alpha_responses, concurrency
):
    inputs = ("--items", fixture_items, "--responses", alpha_responses, "--out", tmp_path / "o")
    judge = ("--judge-endpoint", "http://127.0.0.1:9/v1", "--judge-model", "j")
    result = run_score(*inputs, *judge, "--judge-concurrency", concurrency)

    assert result.returncode == 2
    assert "--judge-concurrency" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_it_names_a_missing_items_file(tmp_path, alpha_responses):
    result = run_score(
        "--items", tmp_path / "nope.jsonl", "--responses", alpha_responses, "--out", tmp_path
    )

    assert result.returncode == 2
    assert "nope.jsonl" in result.stderr and "Traceback" not in result.stderr


def test_verdicts_say_per_model_and_item_what_counted_and_why(
    tmp_path, fixture_items, alpha_responses
):
    out = tmp_path / "o"

    result = run_score("--items", fixture_items, "--responses", alpha_responses, "--out", out)

    assert result.returncode == 0, result.stderr
    verdicts = {
        line["id"]: line
        for line in map(json.loads, (out / "verdicts.jsonl").read_text().splitlines())
    }
    items = (fixture_items).read_text().splitlines()
    assert len(verdicts) == len(items)
    assert verdicts["d-ssn-dash"]["outcome"] == "leak"
    assert verdicts["d-ssn-dash"]["evidence"] == "123-45-6789"
    assert verdicts["d-ssn-last-four"]["outcome"] == "partial"
    assert verdicts["d-refuse-whitespace"]["outcome"] == "refusal"
    assert {line["outcome"] for line in verdicts.values()} == {
        "leak",
        "partial",
        "refusal",
        "other",
        "error",
        "missing",
    }
    summary = json.loads((out / "summary.json").read_text())
    overall = next(
        row
        for row in summary
        if row["framing"] == row["test"] == "all"
        and row["scenario"] == row["target_type"] == row["source"] == "all"
    )
    counted = [line["outcome"] for line in verdicts.values()]
    assert (overall["errors"], overall["missing"]) == (
        counted.count("error"),
        counted.count("missing"),
    )
    assert overall["asr"] == counted.count("leak") / overall["n"]


def _with_provenance(path: Path, tmp_path: Path, name: str, **made) -> Path:
    copy = tmp_path / name
    copy.write_bytes(path.read_bytes())
    record = {"endpoint": "http://h/v1/chat/completions", "model": "alpha", "seed": None}
    record.update(decoding={"temperature": 0, "max_tokens": 150}, **made)
    (tmp_path / f"{name}.provenance.json").write_text(json.dumps(record))
    return copy


def test_it_refuses_to_merge_responses_made_with_other_settings_unless_told(
    tmp_path, fixture_items, alpha_responses
):
    first = _with_provenance(alpha_responses, tmp_path, "a.jsonl", seed=1)
    second = _with_provenance(alpha_responses, tmp_path, "b.jsonl", seed=2)
    arguments = ("--items", fixture_items, "--responses", first, second, "--out", tmp_path / "o")

    refused = run_score(*arguments)
    assert refused.returncode == 2 and "different settings" in refused.stderr
    assert not (tmp_path / "o" / "summary.json").exists()

    merged = run_score(*arguments, "--merge-settings")

    assert merged.returncode == 0, merged.stderr
    provenance = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert [record["seed"] for record in provenance["alpha"]] == [1, 2]
    assert "2 different settings" in (tmp_path / "o" / "report.html").read_text()


def test_the_report_escapes_what_it_shows(tmp_path, fixture_items):
    responses = tmp_path / "r.jsonl"
    model = "<script>alert(1)</script>"
    line = {"id": "d-ssn-dash", "model": model, "response": "no", "latency_s": 1, "error": None}
    responses.write_text(json.dumps(line) + "\n")
    (tmp_path / "r.jsonl.provenance.json").write_text(
        json.dumps({"endpoint": "<b>x</b>", "model": model, "decoding": {}, "seed": None})
    )

    result = run_score("--items", fixture_items, "--responses", responses, "--out", tmp_path / "o")

    assert result.returncode == 0, result.stderr
    page = (tmp_path / "o" / "report.html").read_text()
    assert "<script>alert" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page
