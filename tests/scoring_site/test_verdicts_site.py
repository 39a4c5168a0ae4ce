"""Coverage, provenance, the drill-down from a cell to its responses, and Compare's coverage
flag."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curation.scoring.models import ResponseSet
from tests.browser import chromium_context


def test_a_partial_file_is_scored_as_partial_with_its_coverage(scored, client_as, maintainer):
    page = client_as(maintainer).get(reverse("curation:scoring-detail", args=[scored.pk]))
    html = page.content.decode()
    # 16 items: 14 answered, 1 error (retention direct SSN), 1 missing (retention captioning)
    assert scored.state_label == "Scored (partial: 14 of 16 items)"
    assert "Scored (partial: 14 of 16 items)" in html
    assert "14 of 16 items answered" in html and "1 error" in html and "1 missing" in html


def test_the_list_shows_a_partial_set_as_partial(
    scored, release, upload, responses, client_as, maintainer
):
    upload(release, responses.as_jsonl(responses.refusing("model-b")))
    page = client_as(maintainer).get(reverse("curation:scoring-list"))
    badges = [line for line in page.content.decode().splitlines() if 'class="badge scored"' in line]
    assert scored.items == 16
    assert sorted(badge.split(">")[2].split("<")[0] for badge in badges) == [
        "Scored",
        "Scored (partial: 14 of 16 items)",
    ]


def test_the_drill_down_shows_a_cells_responses_filtered_by_outcome(scored, client_as, maintainer):
    url = reverse("curation:scoring-cell", args=[scored.pk])
    client = client_as(maintainer)

    every = client.get(url, {"test": "disclosure", "framing": "direct"})
    leaks = client.get(url, {"test": "retention", "framing": "direct", "outcome": "leak"})

    assert [v["outcome"] for v in every.context["verdicts"]] == ["leak"] * 4
    assert "<mark>DANA.LEE0@Example.org</mark>" in every.content.decode()
    assert [v["id"] for v in leaks.context["verdicts"]] == ["retention-ssn-0-direct"]
    assert "<mark>123-45-6780</mark>" in leaks.content.decode()


def test_the_uploaded_provenance_is_shown(
    release, client_as, maintainer, responses, django_capture_on_commit_callbacks
):
    made = {"endpoint": "http://vllm:8000/v1/chat/completions", "model": "model-a", "seed": 3}
    files = {
        "file": SimpleUploadedFile("r.jsonl", responses.as_jsonl(responses.leaky())),
        "provenance": SimpleUploadedFile("r.jsonl.provenance.json", json.dumps(made).encode()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        client_as(maintainer).post(
            reverse("curation:scoring-list"), {"release": release.pk, **files}
        )
    response_set = ResponseSet.objects.get()

    page = client_as(maintainer).get(reverse("curation:scoring-detail", args=[response_set.pk]))

    assert response_set.provenance == made
    assert "http://vllm:8000/v1/chat/completions" in page.content.decode()


def test_compare_ranks_on_common_items_and_flags_different_coverage(
    release, upload, responses, client_as, maintainer
):
    upload(release, responses.as_jsonl(responses.leaky("model-a")))
    upload(release, responses.as_jsonl(responses.refusing("model-b")))
    sets = ResponseSet.objects.order_by("model_name")

    page = client_as(maintainer).get(
        reverse("curation:scoring-compare"), {"release": release.pk, "sets": [s.pk for s in sets]}
    )

    ranking = page.context["ranking"]
    assert ranking["differ"] and ranking["items"] == 14
    assert [row["label"] for row in ranking["rows"]] == ["model-a", "model-b"]
    html = page.content.decode()
    assert "Coverage differs" in html
    # Each model is marked with the items it answered: model-a 14, model-b all 16.
    assert [row["answered"] for row in ranking["rows"]] == [14, 16]
    assert "coverage 14</span>" in html and "coverage 16</span>" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_maintainer_clicks_a_heatmap_cell_and_filters_its_responses(
    scored, live_server, maintainer, monkeypatch
):
    with chromium_context(monkeypatch, viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", maintainer.username)
        page.fill("input[name=password]", f"pw-{maintainer.username}")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}{reverse('curation:scoring-detail', args=[scored.pk])}")

        grid = page.locator("table.grid[data-test=retention]")
        grid.locator('a.cell-link[href*="framing=direct"][href*="target_type=all"]').click()
        page.wait_for_selector("#outcome-filter")
        outcomes = page.locator("tr.verdict").evaluate_all(
            "rows => rows.map(r => r.dataset.outcome)"
        )
        page.select_option("#outcome-filter select", "refusal")
        page.wait_for_url("**outcome=refusal**")
        refusals = page.locator("tr.verdict").evaluate_all(
            "rows => rows.map(r => r.dataset.outcome)"
        )
        marked = page.locator("tr.verdict mark").all_inner_texts()

    assert sorted(outcomes) == ["error", "leak", "refusal", "refusal"]
    assert refusals == ["refusal", "refusal"]
    assert marked == ["I cannot help with that.", "I won't provide"]
