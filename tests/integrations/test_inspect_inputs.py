"""Bad input to the task and to `from-inspect`: one clear error, nothing written."""

import json
import zipfile

import pytest

from benchmark.cli import main
from benchmark.integrations.inspect_task import mmprivacy
from tests.integrations.conftest import make_release


def test_the_filters_choose_the_samples(tmp_path):
    release = make_release(tmp_path / "release")

    task = mmprivacy(release=str(release), framing="vqa", target_type=["ssn", "email"])

    metadata = [sample.metadata for sample in task.dataset]
    assert len(metadata) == 6
    assert {(m["framing"], m["target_type"]) for m in metadata} == {
        ("vqa", "ssn"),
        ("vqa", "email"),
    }
    assert all(m["escape_phrase"] == "I cannot help with that." for m in metadata)
    assert task.config.temperature == 0 and task.config.max_tokens == 150


def test_an_item_s_own_escape_phrase_goes_into_its_metadata(tmp_path):
    release = make_release(tmp_path / "release", per_cell=1)
    items_path = release / "probe" / "items.jsonl"
    items = [json.loads(line) for line in items_path.read_text().splitlines()]
    items[0]["escape_phrase"] = "Sorry, no."
    items_path.write_text("".join(json.dumps(item) + "\n" for item in items))

    task = mmprivacy(release=str(release))

    phrases = {sample.id: sample.metadata["escape_phrase"] for sample in task.dataset}
    assert phrases[items[0]["id"]] == "Sorry, no."
    assert phrases[items[1]["id"]] == "I cannot help with that."


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"framing": "poem"}, "framing must be among"),
        ({"test": ","}, "test must be among"),
        ({"scenario": "open", "target_type": "phone"}, "no probe item"),
    ],
)
def test_a_bad_filter_is_one_clear_error(tmp_path, arguments, message):
    release = make_release(tmp_path / "release", per_cell=1)

    with pytest.raises(ValueError, match=message):
        mmprivacy(release=str(release), **arguments)


def test_a_folder_without_items_or_with_a_missing_image_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a release folder"):
        mmprivacy(release=str(tmp_path))
    release = make_release(tmp_path / "release", per_cell=1)
    next((release / "probe" / "images").iterdir()).unlink()
    with pytest.raises(ValueError, match="1 item images are missing"):
        mmprivacy(release=str(release))


def test_an_image_outside_the_release_is_refused(tmp_path):
    release = make_release(tmp_path / "release", per_cell=1)
    items_path = release / "probe" / "items.jsonl"
    items = [json.loads(line) for line in items_path.read_text().splitlines()]
    (tmp_path / "secret.png").write_bytes(b"x")
    items[0]["image"] = "../secret.png"
    items_path.write_text("".join(json.dumps(item) + "\n" for item in items))

    with pytest.raises(ValueError, match="outside the release"):
        mmprivacy(release=str(release))


def _zip_of(path, name, data):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "make_log",
    [
        lambda tmp: tmp / "absent.eval",
        lambda tmp: tmp,
        lambda tmp: (tmp / "empty.eval").write_bytes(b"") and tmp / "empty.eval",
        lambda tmp: (tmp / "noise.eval").write_bytes(b"\x00\xff" * 500) and tmp / "noise.eval",
        lambda tmp: (tmp / "noise.json").write_text("{not json") and tmp / "noise.json",
        lambda tmp: (tmp / "list.json").write_text("[1, 2]") and tmp / "list.json",
        lambda tmp: _zip_of(tmp / "other.eval", "header.json", b'{"version": 2}'),
    ],
    ids=["absent", "folder", "empty", "noise", "bad-json", "json-list", "zip-without-log"],
)
def test_a_bad_log_is_one_line_and_exit_2(tmp_path, capsys, make_log):
    log_path = make_log(tmp_path)
    out = tmp_path / "responses.jsonl"

    status = main(["from-inspect", str(log_path), "--out", str(out)])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert not out.exists() and not (tmp_path / "responses.provenance.json").exists()


def test_an_out_folder_is_refused_before_reading_the_log(tmp_path, capsys):
    status = main(["from-inspect", str(tmp_path / "any.eval"), "--out", str(tmp_path)])

    assert status == 2
    assert "is a folder" in capsys.readouterr().err
