"""The site takes what the command line takes, and refuses what it refuses, with the
same words: a byte order mark is accepted; a lone surrogate in the model name is not."""

from curation.scoring.models import ResponseSet, ScoringStatus


def test_a_responses_file_with_a_byte_order_mark_is_scored(release, upload, responses):
    response = upload(release, b"\xef\xbb\xbf" + responses.as_jsonl(responses.leaky("model-a")))

    assert response.status_code == 302
    scored = ResponseSet.objects.get()
    assert (scored.status, scored.model_name, scored.lines) == (ScoringStatus.SCORED, "model-a", 16)


def test_a_lone_surrogate_in_the_model_name_is_a_form_error(release, upload):
    line = b'{"id": "x", "model": "m\\udc80", "response": "a", "error": null}\n'

    response = upload(release, line)

    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert "line 1: holds a lone surrogate" in error
    assert not ResponseSet.objects.exists()
