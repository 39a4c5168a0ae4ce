import json

from PIL import Image

from benchmark.cli import main


def run_scenes(model, out, *extra):
    argv = ["scenes", "--model", str(model), "--n", "8", "--seed", "1", "--out", str(out)]
    return main([*argv, "--size", "64", "--steps", "2", "--device", "cpu", *extra])


def test_running_twice_gives_identical_images_and_provenance(tiny_model_dir, tmp_path, capsys):
    assert run_scenes(tiny_model_dir, tmp_path / "first", "--batch-size", "3") == 0
    assert run_scenes(tiny_model_dir, tmp_path / "second", "--batch-size", "3") == 0
    first = sorted(path.name for path in (tmp_path / "first").iterdir())
    assert first == ["provenance.jsonl"] + [f"scene-{index:05d}.png" for index in range(8)]
    for name in first:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    assert "wrote 8 scenes" in capsys.readouterr().out


def test_provenance_has_one_sorted_line_per_image(tiny_model_dir, tmp_path):
    assert run_scenes(tiny_model_dir, tmp_path / "out", "--guidance", "2.5") == 0
    lines = (tmp_path / "out" / "provenance.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["file"] for record in records] == [f"scene-{i:05d}.png" for i in range(8)]
    assert all(list(record) == sorted(record) for record in records)
    assert all(record["guidance"] == 2.5 and record["simulated"] for record in records)
    assert len({(r["target_type"], r["scenario"], r["cue"]) for r in records}) == 8
    with Image.open(tmp_path / "out" / records[0]["file"]) as image:
        assert image.size == (64, 64)


def test_a_model_that_cannot_load_is_one_line_and_exit_2(tmp_path, capsys):
    assert run_scenes(tmp_path / "missing-model", tmp_path / "out") == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: Cannot load the diffusion model")
    assert "SCENES_MODEL" in error
    assert "\n" not in error
    assert not (tmp_path / "out").exists()


def test_it_refuses_to_write_into_a_folder_with_files(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    assert run_scenes(tiny_model_dir, tmp_path / "out") == 2
    assert "already holds files; pass --overwrite" in capsys.readouterr().err
    assert run_scenes(tiny_model_dir, tmp_path / "out", "--overwrite") == 2
    assert "did not write" in capsys.readouterr().err
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_an_earlier_run_is_replaced_only_with_overwrite(tiny_model_dir, tmp_path, capsys):
    assert run_scenes(tiny_model_dir, tmp_path / "out") == 0
    assert run_scenes(tiny_model_dir, tmp_path / "out", "--seed", "2") == 2
    assert "--overwrite" in capsys.readouterr().err
    assert run_scenes(tiny_model_dir, tmp_path / "out", "--overwrite") == 0
    assert len(list((tmp_path / "out").iterdir())) == 9
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_an_unwritable_out_is_one_line(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert run_scenes(tiny_model_dir, tmp_path / "a-file" / "out") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: cannot write to")


def test_every_option_of_render_and_scenes_has_help():
    from benchmark.cli import build_parser

    for command in ("render", "scenes"):
        parser = build_parser(command)
        sub = parser._subparsers._group_actions[0].choices[command]
        bare = [a.option_strings for a in sub._actions if a.option_strings and not a.help]
        assert not bare, (command, bare)


def test_a_malformed_grid_is_one_line_and_exit_2(tiny_model_dir, tmp_path, capsys):
    grid = tmp_path / "grid.json"
    grid.write_text("[]")
    assert run_scenes(tiny_model_dir, tmp_path / "out", "--grid", str(grid)) == 2
    assert "must hold a JSON object" in capsys.readouterr().err


def test_plan_shows_scenes_per_cell_without_loading_a_model(tmp_path, capsys):
    assert main(["scenes", "--model", str(tmp_path / "unused"), "--n", "75", "--plan"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["target_type", "scenario", "cue", "scenes"]
    assert out[1].split() == ["email", "open", "leak", "2"]
    assert out[-1] == "72 cells, 75 scenes"
