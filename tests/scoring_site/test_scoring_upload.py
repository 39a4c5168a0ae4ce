"""Uploading a responses file, scoring it as a job, and what gets stored."""

import json
import math
from pathlib import Path

import pytest

from curation.core import storage
from curation.core.jobs import JobFailed
from curation.core.models import JobRun, RunStatus
from curation.scoring import services, tasks
from curation.scoring.models import ResponseSet, ScoringStatus


def wilson(successes: int, n: int) -> list[float]:
    z = 1.959963984540054
    share, z2n = successes / n, z * z / n
    centre = (share + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(share * (1 - share) / n + z2n / (4 * n))
    return [max(0.0, centre - half), min(1.0, centre + half)]


def test_it_scores_the_upload_with_the_figures_known_by_construction(scored, margin_row):
    assert scored.status == ScoringStatus.SCORED
    assert scored.model_name == "model-a"
    rows = scored.rows
    direct = margin_row(rows, test="disclosure", framing="direct")
    assert (direct["n"], direct["asr"], direct["rr"], direct["errors"]) == (4, 1.0, 0.0, 0)
    assert direct["asr_ci"] == pytest.approx(wilson(4, 4))
    captioning = margin_row(rows, test="disclosure", framing="captioning")
    assert (captioning["n"], captioning["asr"], captioning["rr"]) == (4, 0.0, 1.0)
    retention = margin_row(rows, test="retention", framing="direct")
    assert (retention["n"], retention["errors"]) == (3, 1)
    assert retention["asr"] == pytest.approx(1 / 3) and retention["rr"] == pytest.approx(2 / 3)
    assert retention["rr_ci"] == pytest.approx(wilson(2, 3))
    partial = margin_row(rows, test="retention", framing="captioning")
    assert (partial["n"], partial["asr"]) == (3, 0.0)
    assert partial["partial_rate"] == pytest.approx(1 / 3)
    assert (partial["errors"], partial["missing"]) == (0, 1)  # the item with no response


def test_it_records_the_counts_of_the_file(scored):
    # 16 lines: one item asked twice (an error, then an answer), one item never answered.
    assert (scored.lines, scored.errors, scored.missing_items, scored.unknown_ids) == (16, 1, 1, 0)
    assert scored.original_name == "responses.jsonl"


def test_it_stores_the_responses_file_and_the_outputs(scored, responses):
    assert scored.file.startswith(f"responses/{scored.release.pk}/")
    assert scored.file.endswith(".jsonl")
    stored_lines = storage.read_bytes(scored.file).decode().splitlines()
    assert [json.loads(text) for text in stored_lines] == responses.leaky("model-a")
    assert {"summary.json", "summary.csv"} <= set(scored.outputs)
    assert json.loads(storage.read_bytes(scored.outputs["summary.json"])) == scored.rows
    assert scored.heatmaps and all(name.endswith(".png") for name in scored.heatmaps)
    for name in scored.heatmaps:
        assert storage.read_bytes(scored.outputs[name]).startswith(b"\x89PNG\r\n\x1a\n")


def test_it_runs_the_scoring_as_a_job(scored):
    run = JobRun.objects.get(pk=scored.run_id)
    assert run.kind == "scoring" and run.status == RunStatus.SUCCEEDED
    assert run.result == {"model": "model-a", "responses": 16, "rows": len(scored.rows)}


def test_scoring_again_replaces_the_outputs_and_keeps_the_figures(scored):
    first = {name: storage.read_bytes(stored) for name, stored in scored.outputs.items()}
    run = JobRun.objects.get(pk=scored.run_id)
    tasks.score_response_set_job(run, response_set_id=scored.pk)
    again = ResponseSet.objects.get(pk=scored.pk)
    assert again.rows == scored.rows and set(again.outputs) == set(scored.outputs)
    assert {name: storage.read_bytes(stored) for name, stored in again.outputs.items()} == first
    assert not any(storage.exists(stored) for stored in scored.outputs.values())


def test_a_failed_scoring_stores_no_figures_and_says_why(release, responses, settings):
    response_set = services.response_set_upload(
        release=release, data=responses.as_jsonl(responses.leaky("model-a"))
    )
    # The release's items vanish between the upload and the scoring.
    (Path(release.destination) / "probe" / "items.jsonl").write_text("")
    run = JobRun.objects.create(kind="scoring", title="Score", function="x")
    with pytest.raises(JobFailed, match="holds no items") as failure:
        tasks.score_response_set_job(run, response_set_id=response_set.pk)
    failed = ResponseSet.objects.get(pk=response_set.pk)
    assert failed.status == ScoringStatus.FAILED and failed.error == str(failure.value)
    assert failed.rows == [] and failed.outputs == {} and failed.heatmaps == []
    stored = Path(settings.MEDIA_ROOT) / "scoring"
    assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))
