import json

import pytest

from benchmark.scenes import (
    DEFAULT_GRID_PATH,
    GridCell,
    count_per_cell,
    load_grid,
    plan_n_scenes,
    plan_scenes,
)
from benchmark.vocab import OPEN, SCENARIOS, TARGET_TYPES


def write_grid(tmp_path, **changes):
    data = json.loads(DEFAULT_GRID_PATH.read_text())
    data.update(changes)
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(data))
    return path


def test_default_grid_crosses_every_type_scenario_and_cue():
    grid = load_grid()
    cells = grid.cells()
    assert {cell.target_type for cell in cells} == set(TARGET_TYPES)
    assert {cell.scenario for cell in cells} == set(SCENARIOS)
    assert {"leak", "broken", "showing"} <= {cell.cue for cell in cells}
    assert len(set(cells)) == len(cells) == 3 * 4 * len(grid.cues)


def test_a_grid_written_before_scenes_said_open_reads_its_none_as_open(tmp_path):
    data = json.loads(DEFAULT_GRID_PATH.read_text())
    old_words = {
        ("none" if name == OPEN else name): text for name, text in data["scenarios"].items()
    }
    old = load_grid(write_grid(tmp_path, scenarios=old_words))
    assert old.settings == load_grid().settings
    assert plan_scenes(old, 1, seed=3) == plan_scenes(load_grid(), 1, seed=3)


def test_a_grid_naming_the_plain_setting_both_ways_is_refused(tmp_path):
    path = write_grid(tmp_path, scenarios={"none": "on a desk", "open": "on a table"})
    with pytest.raises(ValueError, match="'scenarios' names the plain setting twice"):
        load_grid(path)


def test_prompts_carry_no_personal_data_and_negative_prompt_discourages_text_and_faces():
    grid = load_grid()
    prompts = [grid.prompt_for(cell) for cell in grid.cells()]
    assert len(set(prompts)) == len(prompts)
    assert not any(character.isdigit() or character == "@" for p in prompts for character in p)
    assert "legible text" in grid.negative_prompt
    assert "face" in grid.negative_prompt


def test_prompt_names_the_cells_subject_setting_and_cue():
    grid = load_grid()
    prompt = grid.prompt_for(GridCell("ssn", "finance", "broken"))
    assert grid.subjects["ssn"] in prompt
    assert grid.settings["finance"] in prompt
    assert "broken" in prompt


def test_plan_gives_each_image_its_own_reproducible_seed():
    grid = load_grid()
    first = plan_scenes(grid, per_cell=3, seed=7)
    assert first == plan_scenes(grid, per_cell=3, seed=7)
    assert [spec.index for spec in first] == list(range(3 * len(grid.cells())))
    assert len({spec.seed for spec in first}) == len(first)
    other_run = plan_scenes(grid, per_cell=3, seed=8)
    assert not {spec.seed for spec in first} & {spec.seed for spec in other_run}


def test_plan_cycles_over_cells_so_a_prefix_covers_the_grid_evenly():
    grid = load_grid()
    cells = grid.cells()
    specs = plan_n_scenes(grid, len(cells) + 5, seed=1)
    assert specs == plan_scenes(grid, per_cell=2, seed=1)[: len(cells) + 5]
    counts = count_per_cell(specs)
    assert len(counts) == len(cells)
    assert sorted(set(counts.values())) == [1, 2]
    assert sum(counts.values()) == len(cells) + 5


def test_a_replacement_grid_file_is_used_as_given(tmp_path):
    path = write_grid(
        tmp_path,
        template="{cue} | {setting} | {style}",
        target_types={"phone": "a phone"},
        scenarios={"hiring": "in an office"},
        cues={"dropped": "{subject} dropped", "wet": "a wet {subject}"},
    )
    grid = load_grid(path)
    assert grid.cells() == [
        GridCell("phone", "hiring", "dropped"),
        GridCell("phone", "hiring", "wet"),
    ]
    specs = plan_scenes(grid, per_cell=1, seed=0)
    assert specs[1].prompt == f"a wet a phone | in an office | {grid.style}"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"template": ""}, "'template' must be a non-empty string"),
        ({"template": "{cue}, {setting}, {colour}"}, "'template' must use exactly"),
        ({"target_types": {"passport": "a passport"}}, "unknown name 'passport'"),
        ({"scenarios": []}, "'scenarios' must be a non-empty object"),
        ({"cues": {"leak": "a leak"}}, "cue 'leak' must use exactly the placeholders {subject}"),
        ({"cues": {"leak": "{subject"}}, "cue 'leak' is not a valid template"),
        ({"negative_prompt": 3}, "'negative_prompt' must be a non-empty string"),
    ],
)
def test_a_malformed_grid_names_the_problem(tmp_path, changes, message):
    path = write_grid(tmp_path, **changes)
    with pytest.raises(ValueError, match="scene grid .*grid.json") as caught:
        load_grid(path)
    assert message in str(caught.value)


def test_a_grid_that_is_not_json_or_missing_says_so(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"template": ')
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_grid(broken)
    with pytest.raises(ValueError, match="does not exist"):
        load_grid(tmp_path / "missing.json")


def test_plan_rejects_a_non_positive_count():
    with pytest.raises(ValueError, match="per_cell must be"):
        plan_scenes(load_grid(), per_cell=0, seed=1)
    with pytest.raises(ValueError, match="seed must be"):
        plan_scenes(load_grid(), per_cell=1, seed=-1)
