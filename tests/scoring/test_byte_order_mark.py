"""The command line takes a responses file that starts with a UTF-8 byte order mark (as
Windows editors save it), as the site does: the same figures as without it."""

from tests.scoring.test_score_cli import run_score


def test_a_responses_file_with_a_byte_order_mark_scores_as_without(
    tmp_path, fixture_items, alpha_responses
):
    marked = tmp_path / "responses-bom.jsonl"
    marked.write_bytes(b"\xef\xbb\xbf" + alpha_responses.read_bytes())

    plain = run_score(
        "--items", fixture_items, "--responses", alpha_responses, "--out", tmp_path / "plain"
    )
    with_mark = run_score(
        "--items", fixture_items, "--responses", marked, "--out", tmp_path / "marked"
    )

    assert plain.returncode == 0 and with_mark.returncode == 0, with_mark.stderr
    summary = "summary.json"
    assert (tmp_path / "marked" / summary).read_bytes() == (
        tmp_path / "plain" / summary
    ).read_bytes()
