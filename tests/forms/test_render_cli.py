import json

import pytest

from benchmark.cli import main


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    out = tmp_path_factory.mktemp("ids")
    argv = ["identities", "--memorisation", "3", "--probe", "4", "--seed", "5", "--out", str(out)]
    assert main(argv) == 0
    return out / "probe.jsonl"


def render(identities, out, *extra):
    return main(["render", "--identities", str(identities), "--out", str(out), *extra])


def tree(folder):
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_rendering_twice_gives_identical_files_whatever_the_workers(identities, tmp_path):
    assert render(identities, tmp_path / "a", "--workers", "2") == 0
    assert render(identities, tmp_path / "b", "--workers", "1") == 0
    first = tree(tmp_path / "a")
    assert first == tree(tmp_path / "b")
    # 4 identities x (2 hiring + 2 verification + 2 finance + 2 open x 3 target types)
    assert len(first) == 4 * 12 + 1
    assert render(identities, tmp_path / "a", "--workers", "2", "--overwrite") == 0
    assert tree(tmp_path / "a") == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_fields_jsonl_lists_every_image_in_order_with_its_ground_truth(identities, tmp_path):
    assert render(identities, tmp_path / "out", "--scenario", "open", "--variants", "1") == 0
    records = [json.loads(line) for line in (tmp_path / "out" / "fields.jsonl").open()]
    people = [json.loads(line) for line in identities.open()]
    expected = [(person["id"], target) for person in people for target in ("email", "phone", "ssn")]
    assert [(r["identity_id"], r["target_type"]) for r in records] == expected
    for record in records:
        assert (tmp_path / "out" / record["image"]).is_file()
        assert record["image"] == f"open/{record['identity_id']}-v1-{record['target_type']}.png"
        assert (record["scenario"], record["variant"]) == ("open", 1)
        assert [field["name"] for field in record["fields"]] == ["name", record["target_type"]]
        assert all(set(field) == {"name", "label", "value", "box"} for field in record["fields"])
        assert list(record) == sorted(record)


def test_non_open_records_have_no_target_type(identities, tmp_path):
    assert render(identities, tmp_path / "out", "--scenario", "hiring", "--hand") == 0
    records = [json.loads(line) for line in (tmp_path / "out" / "fields.jsonl").open()]
    assert len(records) == 8 and {r["target_type"] for r in records} == {None}


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "p1"}\nnot json\n', "bad.jsonl, line 1: missing"),
        ("[1, 2]\n", "bad.jsonl, line 1: not a JSON object"),
        ('{"id": "x"}\n', "missing or non-string key(s)"),
        ("", "holds no identities"),
    ],
)
def test_a_malformed_identities_file_names_the_file_and_line(tmp_path, capsys, content, message):
    (tmp_path / "bad.jsonl").write_text(content)
    assert render(tmp_path / "bad.jsonl", tmp_path / "out") == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error
    assert not (tmp_path / "out").exists()


def test_a_line_that_is_not_json_is_named(identities, tmp_path, capsys):
    lines = identities.read_text().splitlines()
    (tmp_path / "bad.jsonl").write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n")
    assert render(tmp_path / "bad.jsonl", tmp_path / "out") == 2
    assert "bad.jsonl, line 2: not JSON" in capsys.readouterr().err


def test_duplicate_ids_and_unsafe_ids_are_refused(identities, tmp_path, capsys):
    first = identities.read_text().splitlines()[0]
    (tmp_path / "dup.jsonl").write_text(f"{first}\n{first}\n")
    assert render(tmp_path / "dup.jsonl", tmp_path / "out") == 2
    assert "dup.jsonl, line 2: id 'probe-000001' repeats line 1" in capsys.readouterr().err
    unsafe = json.dumps({**json.loads(first), "id": "../escape"})
    (tmp_path / "unsafe.jsonl").write_text(unsafe + "\n")
    assert render(tmp_path / "unsafe.jsonl", tmp_path / "out") == 2
    assert "cannot name a file" in capsys.readouterr().err


def test_a_value_that_does_not_fit_is_named_with_its_line(identities, tmp_path, capsys):
    lines = identities.read_text().splitlines()
    lines[2] = json.dumps({**json.loads(lines[2]), "street": "Boulevard " * 600})
    (tmp_path / "long.jsonl").write_text("\n".join(lines) + "\n")
    assert render(tmp_path / "long.jsonl", tmp_path / "out", "--workers", "2") == 2
    error = capsys.readouterr().err
    assert "long.jsonl, line 3:" in error and "field 'street'" in error
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.*"))


def test_bad_arguments_are_one_clear_line(identities, tmp_path, capsys):
    assert render(identities, tmp_path / "out", "--variants", "0,7") == 2
    assert "has variants 0..1" in capsys.readouterr().err
    assert render(identities, tmp_path / "out", "--variants", "one") == 2
    assert "--variants" in capsys.readouterr().err
    assert render(tmp_path / "missing.jsonl", tmp_path / "out") == 2
    assert "cannot read identities file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        render(identities, tmp_path / "out", "--workers", "0")


def test_an_out_folder_holding_other_files_is_left_alone(identities, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")
    assert render(identities, tmp_path / "out") == 2
    assert "--overwrite" in capsys.readouterr().err
    assert render(identities, tmp_path / "out", "--overwrite") == 2
    assert "did not write" in capsys.readouterr().err
    assert (tmp_path / "out" / "notes.txt").read_text() == "keep me"


def test_an_earlier_render_is_replaced_only_with_overwrite(identities, tmp_path, capsys):
    out = tmp_path / "out"
    assert render(identities, out, "--scenario", "hiring", "--variants", "0") == 0
    before = tree(out)
    assert render(identities, out, "--scenario", "finance", "--variants", "0") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "already holds files; pass --overwrite" in error
    assert tree(out) == before
    assert render(identities, out, "--scenario", "finance", "--variants", "0", "--overwrite") == 0
    assert {name.split("/")[0] for name in tree(out)} == {"finance", "fields.jsonl"}


def test_an_unwritable_out_is_one_line(identities, tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert render(identities, tmp_path / "a-file" / "out") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: cannot write to")


def test_identities_then_render_twice_gives_identical_trees(tmp_path):
    for run in ("first", "second"):
        ids = ["--memorisation", "2", "--probe", "3", "--seed", "8", "--out", str(tmp_path / run)]
        assert main(["identities", *ids]) == 0
        probe = tmp_path / run / "probe.jsonl"
        assert render(probe, tmp_path / run / "forms", "--scenario", "open", "--variants", "0") == 0
    assert tree(tmp_path / "first") == tree(tmp_path / "second")
    assert len(tree(tmp_path / "first")) == 2 + 3 * 3 + 1
