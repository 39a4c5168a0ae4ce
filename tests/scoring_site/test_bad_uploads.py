"""A responses file that cannot be scored is refused with one clear error; nothing stored."""

from pathlib import Path

import pytest

from curation.core.models import JobRun
from curation.releases.models import Release, ReleaseStatus
from curation.scoring.models import ResponseSet


def _renamed(lines: list[dict], count: int) -> list[dict]:
    return [{**entry, "id": f"nope-{n}"} if n < count else entry for n, entry in enumerate(lines)]


BAD_FILES = {
    "not_json": (lambda r: b"id,model,response\n1,a,b\n", "line 1: not JSON"),
    "not_utf8": (lambda r: b"\x89PNG\r\n\x1a\n\xff\xfe", "not UTF-8 text"),
    "blank_lines_only": (lambda r: b"\n  \n\n", "holds no responses"),
    "not_an_object": (lambda r: b"[1, 2, 3]\n", "line 1: not a JSON object"),
    "missing_keys": (
        lambda r: r.as_jsonl([{"id": "x", "model": "m"}]),
        "line 1 lacks response, error",
    ),
    "no_response_nor_error": (
        lambda r: r.as_jsonl([{"id": "x", "model": "m", "response": None, "error": None}]),
        "line 1 has no text response and no error",
    ),
    "wrong_ids": (
        lambda r: r.as_jsonl(_renamed(r.leaky("model-a"), 7)),
        "7 response ids are not among the items of release 0.1.0 "
        "(nope-0, nope-1, nope-2, nope-3, nope-4, …)",
    ),
    "deep_nesting": (
        lambda r: b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        "line 1: nested too deeply",
    ),
    "lone_surrogate": (
        lambda r: b'{"id": "x", "model": "m", "response": "a\\ud800b", "error": null}\n',
        "line 1: holds a lone surrogate",
    ),
    "long_model_name": (
        lambda r: r.as_jsonl([{**r.leaky("m" * 300)[1]}]),
        "line 1 has a model name of 300 characters (at most 200)",
    ),
    "huge_line": (
        lambda r: r.as_jsonl([{**r.leaky("model-a")[1], "response": "y" * 1_100_000}]),
        "line 1: longer than 1,048,576 characters",
    ),
    "two_models": (
        lambda r: r.as_jsonl(r.leaky("model-a")[:8] + r.leaky("model-b")[8:]),
        "mixes responses from 2 models (model-a, model-b): upload one file per model",
    ),
}


def _nothing_stored(settings) -> bool:
    folder = Path(settings.MEDIA_ROOT) / "responses"
    no_files = not folder.exists() or not any(path.is_file() for path in folder.rglob("*"))
    return no_files and not ResponseSet.objects.exists() and not JobRun.objects.exists()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_it_refuses_a_bad_file_with_a_clear_error(case, release, upload, responses, settings):
    make, message = BAD_FILES[case]
    response = upload(release, make(responses))
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and message in errors[0], errors
    assert _nothing_stored(settings)


def test_it_lists_every_broken_line_up_to_five(release, upload, settings):
    data = b"".join(b"oops %d\n" % n for n in range(8))
    response = upload(release, data)
    error = response.context["form"].errors["file"][0]
    assert "line 1: not JSON" in error and "line 5: not JSON" in error
    assert "line 6" not in error and "and 3 more" in error
    assert _nothing_stored(settings)


def test_it_refuses_an_empty_file(release, upload, settings):
    response = upload(release, b"")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The submitted file is empty."]
    assert _nothing_stored(settings)


def test_it_refuses_a_file_over_the_size_limit(release, upload, responses, settings):
    settings.SCORING_MAX_UPLOAD_BYTES = 100
    response = upload(release, responses.as_jsonl(responses.leaky("model-a")))
    error = response.context["form"].errors["file"][0]
    assert "the limit is 100" in error
    assert _nothing_stored(settings)


def test_it_offers_only_published_releases(release, upload, responses, settings):
    building = Release.objects.create(
        version="0.2.0", destination=release.destination, seed=7, status=ReleaseStatus.BUILDING
    )
    response = upload(building, responses.as_jsonl(responses.leaky("model-a")))
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["release"][0]
    assert _nothing_stored(settings)


def test_the_error_is_shown_on_the_page(release, upload):
    response = upload(release, b"not json at all\n")
    assert b"line 1: not JSON" in response.content
    assert response["Content-Type"].startswith("text/html")
