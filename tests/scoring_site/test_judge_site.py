"""The optional model judge on the site: named on the upload form, asked by the scoring job
(the local fake judge the command-line tests use), its agreement shown on the set's page,
and a judge that is down failing the set with a message that names it."""

import json
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curation.core import storage
from curation.core.models import JobRun, RunStatus
from curation.scoring import services, tasks
from curation.scoring.models import ResponseSet, ScoringStatus
from tests.scoring.fake_judge import FakeJudge


@pytest.fixture(autouse=True)
def quick_judge_retries(settings):
    settings.SCORING_JUDGE_RETRIES = 2
    settings.SCORING_JUDGE_BACKOFF_S = 0.01
    settings.SCORING_JUDGE_TIMEOUT_S = 5


@pytest.fixture
def upload_judged(client_as, maintainer, django_capture_on_commit_callbacks):
    """POST a responses file naming a judge; the scoring job runs inline on commit."""

    def post(release, data: bytes, endpoint: str, model: str = "judge-m"):
        client = client_as(maintainer)
        file = SimpleUploadedFile("responses.jsonl", data)
        fields = {"release": release.pk, "file": file, "judge_endpoint": endpoint}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("curation:scoring-list"), {**fields, "judge_model": model})

    return post


def closed_port_url() -> str:
    """An endpoint where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_the_judge_is_asked_and_its_agreement_shown_with_the_rules_headline(
    release, upload, upload_judged, responses, client_as, maintainer
):
    upload(release, responses.as_jsonl(responses.leaky("model-a")))
    rules_only = ResponseSet.objects.get()
    with FakeJudge() as server:
        response = upload_judged(
            release, responses.as_jsonl(responses.leaky("model-a")), server.url
        )
        asked = server.requests
    assert response.status_code == 302, response.content.decode()[:2000]
    judged = ResponseSet.objects.exclude(pk=rules_only.pk).get()
    assert judged.status == ScoringStatus.SCORED
    assert (judged.judge_endpoint, judged.judge_model) == (server.url, "judge-m")
    # The headline keeps the rules: the judge changes no figure.
    assert judged.rows == rules_only.rows and judged.judge["headline"] == "rules"
    # 16 items: 5 full leaks, an error and a missing item are not asked; the 9 others are,
    # the escape phrase given twice asked once (verdicts are cached by answer).
    assert (judged.judge["answers"], asked) == (9, 8)
    assert judged.judge["agreed"] + judged.judge["disagreements"] == 9
    stored = json.loads(storage.read_bytes(judged.outputs["judge.json"]))
    assert (
        stored["judge_model"] == "judge-m" and stored["cohen_kappa"] == judged.judge["cohen_kappa"]
    )
    assert len(stored["disagreements"]) == judged.judge["disagreements"]

    run = JobRun.objects.get(pk=judged.run_id)
    assert run.result["headline"] == "rules" and run.result["judge_model"] == "judge-m"
    assert run.result["cohen_kappa"] == judged.judge["cohen_kappa"]
    run_page = client_as(maintainer).get(reverse("curation:run-detail", args=[run.pk]))
    assert "cohen_kappa" in run_page.content.decode()

    page = client_as(maintainer).get(reverse("curation:scoring-detail", args=[judged.pk]))
    text = page.content.decode()
    assert "The headline figures use the <strong>rules</strong>" in text
    assert "Cohen's kappa" in text and "judge-m" in text
    kappa = judged.judge["cohen_kappa"]
    assert (f"{kappa:.3f}" if kappa is not None else "undefined") in text
    assert f"agrees on {judged.judge['agreed']} of 9 answers" in text


def test_scoring_again_asks_the_judge_only_about_what_it_has_not_judged(
    release, upload_judged, responses
):
    with FakeJudge() as server:
        upload_judged(release, responses.as_jsonl(responses.leaky("model-a")), server.url)
        first = ResponseSet.objects.get()
        asked_first = server.requests
        run = JobRun.objects.get(pk=first.run_id)
        tasks.score_response_set_job(run, response_set_id=first.pk)
        asked_again = server.requests - asked_first
    again = ResponseSet.objects.get()
    assert (asked_first, asked_again) == (8, 0)
    assert again.judge == first.judge and again.rows == first.rows
    cached = json.loads(storage.read_bytes(again.outputs["judge-cache.json"]))
    assert len(cached) == 8 and all(":judge-m:" in key for key in cached)
    assert not storage.exists(first.outputs["judge-cache.json"])  # the rerun replaced it


def test_a_set_scored_without_a_judge_says_the_rules_alone_were_used(scored, client_as, maintainer):
    assert scored.judge == {} and "judge.json" not in scored.outputs
    page = client_as(maintainer).get(reverse("curation:scoring-detail", args=[scored.pk]))
    assert "no model judge was asked" in page.content.decode()


def test_the_judge_is_retried_through_rate_limits_and_server_errors(
    release, upload_judged, responses
):
    with FakeJudge(failures=("500", "429", "drop")) as server:
        upload_judged(release, responses.as_jsonl(responses.leaky("model-a")), server.url)
        asked = server.requests
    judged = ResponseSet.objects.get()
    assert judged.status == ScoringStatus.SCORED
    assert asked == 8 + 3  # 8 different answers, 3 failures retried


@pytest.mark.parametrize("down", ["closed port", "always 503", "not a judge"])
def test_a_judge_that_is_down_fails_the_set_with_a_message_naming_it(
    down, release, upload_judged, responses, client_as, maintainer
):
    failures = {"always 503": ("503",) * 50, "not a judge": ("404",)}.get(down, ())
    with FakeJudge(failures=failures) as server:
        url = closed_port_url() if down == "closed port" else server.url
        response = upload_judged(release, responses.as_jsonl(responses.leaky("model-a")), url)
    assert response.status_code == 302  # the upload itself was accepted; the job failed
    failed = ResponseSet.objects.get()
    assert failed.status == ScoringStatus.FAILED
    assert failed.error.startswith(f"The judge judge-m at {url} could not be asked:")
    assert "upload the responses without a judge" in failed.error
    assert failed.rows == [] and failed.outputs == {} and failed.judge == {}
    run = JobRun.objects.get(pk=failed.run_id)
    assert run.status == RunStatus.FAILED and run.error.startswith("The judge judge-m at")
    run_page = client_as(maintainer).get(reverse("curation:run-detail", args=[run.pk]))
    assert run_page.status_code == 200 and "could not be asked" in run_page.content.decode()

    page = client_as(maintainer).get(reverse("curation:scoring-detail", args=[failed.pk]))
    assert page.status_code == 200
    assert f"The judge judge-m at {url} could not be asked" in page.content.decode()


@pytest.mark.parametrize(
    ("endpoint", "model", "said"),
    [
        ("ftp://judge.example/v1", "m", "http:// or https:// URL"),
        ("javascript:alert(1)", "m", "http:// or https:// URL"),
        ("http://", "m", "http:// or https:// URL"),
        ("http://judge:99999/v1", "m", "http:// or https:// URL"),
        ("http://judge /v1", "m", "space or control character"),
        ("http://judge:8000/v1", "", "together"),
        ("", "judge-m", "together"),
        ("http://judge/" + "v" * 500, "m", "at most 500 characters"),
        ("http://judge/v1", "m" * 201, "at most 200 characters"),
    ],
)
def test_a_bad_judge_is_a_form_error_and_stores_nothing(
    endpoint, model, said, release, upload_judged, responses
):
    response = upload_judged(
        release, responses.as_jsonl(responses.leaky("model-a")), endpoint, model
    )
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not ResponseSet.objects.exists() and not JobRun.objects.exists()


@pytest.mark.parametrize(
    "endpoint", ["http://vllm:8000/v1", "https://judge.example.org/v1/", "http://127.0.0.1:8000"]
)
def test_judge_endpoints_without_a_domain_are_accepted(endpoint):
    # A vLLM container is reached by its service name, which has no dot.
    assert services.check_judge(f" {endpoint} ", " judge-m ") == (endpoint, "judge-m")
