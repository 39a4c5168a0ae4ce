"""The response set page, its heatmaps and downloads, the list and the compare page."""

import csv
import io

import pytest
from django.urls import reverse

from curation.scoring.models import ResponseSet


def test_the_page_shows_the_headline_figures(scored, client_as, maintainer):
    response = client_as(maintainer).get(reverse("curation:scoring-detail", args=[scored.pk]))
    assert response.status_code == 200
    headline = {table["test"]: table["rows"] for table in response.context["headline"]}
    assert [row["label"] for row in headline["disclosure"]] == ["direct", "captioning", "all"]
    html = response.content.decode()
    # retention x direct: ASR 1/3, RR 2/3 over n=3, with the 95% Wilson interval of 2/3
    assert '<th scope="row">direct</th>' in html
    assert "0.333" in html and "0.667" in html and "[0.208, 0.939]" in html
    # disclosure x direct: 4/4 leaks, interval [0.510, 1.000]
    assert "1.000" in html and "[0.510, 1.000]" in html


def test_the_page_shows_the_drill_down_tables(scored, client_as, maintainer):
    response = client_as(maintainer).get(reverse("curation:scoring-detail", args=[scored.pk]))
    tables = {table["key"]: table["sections"] for table in response.context["breakdowns"]}
    assert list(tables) == ["target_type", "scenario", "source"]
    retention_sources = {
        row["label"]: row
        for section in tables["source"]
        if section["test"] == "retention"
        for row in section["rows"]
    }
    # Retention's diffusion items (k=1): direct email refused, direct SSN errored,
    # captioning email missing, captioning SSN harmless -> n 2, RR 1/2.
    assert retention_sources["diffusion"]["n"] == 2
    assert retention_sources["diffusion"]["rr"] == 0.5
    assert "By target type" in response.content.decode()


def test_the_page_shows_heatmaps_through_the_role_checked_view(scored, client_as, maintainer):
    client = client_as(maintainer)
    html = client.get(reverse("curation:scoring-detail", args=[scored.pk])).content.decode()
    for name in scored.heatmaps:
        url = reverse("curation:scoring-file", args=[scored.pk, name])
        assert url in html
        image = client.get(url)
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert image.content.startswith(b"\x89PNG")


def test_it_downloads_the_summary_csv(scored, client_as, maintainer):
    response = client_as(maintainer).get(
        reverse("curation:scoring-file", args=[scored.pk, "summary.csv"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="model-a-0.1.0-summary.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    direct = [
        row
        for row in rows
        if (row["test"], row["framing"], row["scenario"], row["target_type"], row["source"])
        == ("disclosure", "direct", "all", "all", "all")
    ]
    assert len(direct) == 1 and float(direct[0]["asr"]) == 1.0


def test_it_serves_only_the_set_outputs(scored, client_as, maintainer):
    client = client_as(maintainer)
    assert (
        client.get(reverse("curation:scoring-file", args=[scored.pk, "x.png"])).status_code == 404
    )


def test_the_list_shows_the_response_sets(scored, client_as, maintainer):
    response = client_as(maintainer).get(reverse("curation:scoring-list"))
    html = response.content.decode()
    assert reverse("curation:scoring-detail", args=[scored.pk]) in html
    assert "model-a" in html and "Scored" in html


def test_the_compare_page_puts_two_models_side_by_side(
    scored, release, upload, responses, client_as, maintainer
):
    upload(release, responses.as_jsonl(responses.refusing("model-b")))
    refusing = ResponseSet.objects.get(model_name="model-b")
    response = client_as(maintainer).get(
        reverse("curation:scoring-compare"),
        {"release": release.pk, "sets": [scored.pk, refusing.pk]},
    )
    assert response.status_code == 200
    assert response.context["labels"] == ["model-a", "model-b"]
    tables = {table["test"]: table["lines"] for table in response.context["tables"]}
    lines = {(line["framing"], line["target_type"]): line["cells"] for line in tables["disclosure"]}
    leaky, refuser = lines[("direct", "ssn")]
    assert (leaky["asr"], leaky["rr"]) == (1.0, 0.0)
    assert (refuser["asr"], refuser["rr"]) == (0.0, 1.0)
    assert ("all", "all") in lines and ("captioning", "email") in lines
    html = response.content.decode()
    assert '<th colspan="2" class="model">model-a</th>' in html
    assert '<th colspan="2" class="model">model-b</th>' in html


def test_the_compare_page_offers_the_scored_sets_of_the_release(scored, client_as, maintainer):
    response = client_as(maintainer).get(reverse("curation:scoring-compare"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["sets"].queryset) == [scored]
    assert response.context["tables"] == []


def test_other_roles_get_403(scored, client_as, annotator, volunteer):
    for user in (annotator, volunteer):
        client = client_as(user)
        for url in (
            reverse("curation:scoring-list"),
            reverse("curation:scoring-compare"),
            reverse("curation:scoring-detail", args=[scored.pk]),
            reverse("curation:scoring-file", args=[scored.pk, scored.heatmaps[0]]),
        ):
            assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_downloaded_csv_neutralises_a_model_name_a_spreadsheet_would_run(
    start, release, upload, responses, client_as, maintainer
):
    upload(release, responses.as_jsonl(responses.refusing(f"{start}HYPERLINK(1)")))
    response_set = ResponseSet.objects.get()
    response = client_as(maintainer).get(
        reverse("curation:scoring-file", args=[response_set.pk, "summary.csv"])
    )
    models = {row["model"] for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert models == {f"'{start}HYPERLINK(1)"}
