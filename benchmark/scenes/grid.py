"""The prompt grid: target type x scenario x cue word, read from a replaceable JSON file.

The file (default `benchmark/data/scene_grid.json`) holds one prompt `template` with the
placeholders {cue}, {setting} and {style}; per target type a `subject` phrase; per scenario a
`setting` phrase; per cue word a phrase containing {subject}; one `negative_prompt`.
Scenarios are the forms' (`benchmark.vocab.SCENARIOS`): `open` is the plain setting. Grid files
written before scenes took that word call it `none`; they are read with `none` as `open`.
"""

import hashlib
import json
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmark.vocab import OPEN, SCENARIOS, TARGET_TYPES

DEFAULT_GRID_PATH = Path(__file__).resolve().parent.parent / "data" / "scene_grid.json"
# The plain setting's name in grid files written before scenes used the forms' scenarios.
_OLD_SCENARIO_NAMES = {"none": OPEN}
TEMPLATE_FIELDS = {"cue", "setting", "style"}
# Seeds stay below 2**53 so they survive a round trip through JSON in any language.
SEED_LIMIT = 2**53


@dataclass(frozen=True)
class GridCell:
    target_type: str
    scenario: str
    cue: str


@dataclass(frozen=True)
class SceneSpec:
    """Everything needed to generate (or regenerate) one scene, apart from generation settings."""

    index: int
    target_type: str
    scenario: str
    cue: str
    prompt: str
    negative_prompt: str
    seed: int


@dataclass(frozen=True)
class SceneGrid:
    template: str
    style: str
    negative_prompt: str
    subjects: dict[str, str]
    settings: dict[str, str]
    cues: dict[str, str]
    path: Path | None = None

    def cells(self) -> list[GridCell]:
        """Every (target type, scenario, cue) combination, in the file's order."""
        return [
            GridCell(target_type, scenario, cue)
            for target_type in self.subjects
            for scenario in self.settings
            for cue in self.cues
        ]

    def prompt_for(self, cell: GridCell) -> str:
        subject = self.subjects[cell.target_type]
        cue = self.cues[cell.cue].format(subject=subject)
        return self.template.format(cue=cue, setting=self.settings[cell.scenario], style=self.style)


def load_grid(path: str | Path | None = None) -> SceneGrid:
    """Read and check a grid file; a malformed one raises ValueError naming the problem."""
    grid_path = Path(path) if path is not None else DEFAULT_GRID_PATH
    try:
        text = grid_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"scene grid {grid_path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"scene grid {grid_path} cannot be read: {error}") from None
    return parse_grid(text, where=f"scene grid {grid_path}", path=grid_path)


def parse_grid(text: str, *, where: str, path: Path | None = None) -> SceneGrid:
    """Check a grid given as JSON text (an upload, say); ValueError names the problem."""
    data = _parse_json(text, where)
    grid = SceneGrid(
        template=_text(data, "template", where),
        style=_text(data, "style", where),
        negative_prompt=_text(data, "negative_prompt", where),
        subjects=_phrases(data, "target_types", TARGET_TYPES, where),
        settings=_scenario_phrases(data, where),
        cues=_phrases(data, "cues", None, where),
        path=path,
    )
    _check_placeholders(grid.template, TEMPLATE_FIELDS, f"{where}: 'template'")
    for word, phrase in grid.cues.items():
        _check_placeholders(phrase, {"subject"}, f"{where}: cue {word!r}")
    return grid


def plan_scenes(grid: SceneGrid, per_cell: int, seed: int) -> list[SceneSpec]:
    """`per_cell` scenes for every cell, round-robin over the cells.

    Round-robin order means the first n specs cover the grid as evenly as possible, and a spec's
    index (hence its seed and prompt) does not depend on how many are planned.
    """
    if not isinstance(per_cell, int) or per_cell < 1:
        raise ValueError(f"per_cell must be a whole number of at least 1, not {per_cell!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, not {seed!r}")
    cells = grid.cells()
    return [
        _spec(grid, cells[index % len(cells)], index, seed)
        for index in range(per_cell * len(cells))
    ]


def plan_n_scenes(grid: SceneGrid, n: int, seed: int) -> list[SceneSpec]:
    """The first `n` specs of the round-robin plan: cells as evenly covered as `n` allows."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, not {n!r}")
    per_cell = -(-n // len(grid.cells()))
    return plan_scenes(grid, per_cell, seed)[:n]


def count_per_cell(specs: list[SceneSpec]) -> dict[GridCell, int]:
    """How many of `specs` fall in each cell, for showing a plan before it runs."""
    return dict(Counter(GridCell(s.target_type, s.scenario, s.cue) for s in specs))


def scene_seed(seed: int, index: int) -> int:
    """The seed of image `index` in a run seeded with `seed`: stable across runs and platforms."""
    digest = hashlib.sha256(f"mm-privacy-scene:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_LIMIT


def _spec(grid: SceneGrid, cell: GridCell, index: int, seed: int) -> SceneSpec:
    return SceneSpec(
        index=index,
        target_type=cell.target_type,
        scenario=cell.scenario,
        cue=cell.cue,
        prompt=grid.prompt_for(cell),
        negative_prompt=grid.negative_prompt,
        seed=scene_seed(seed, index),
    )


def _parse_json(text: str, where: str) -> dict:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} must hold a JSON object at the top level")
    return data


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key!r} must be a non-empty string")
    return value


def _phrases(data: dict, key: str, allowed: tuple[str, ...] | None, where: str) -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{where}: {key!r} must be a non-empty object of name -> phrase")
    for name, phrase in value.items():
        if allowed is not None and name not in allowed:
            raise ValueError(
                f"{where}: {key!r} has unknown name {name!r}; allowed: {', '.join(allowed)}"
            )
        if not isinstance(phrase, str) or not phrase.strip():
            raise ValueError(f"{where}: {key}[{name!r}] must be a non-empty string")
    return dict(value)


def _scenario_phrases(data: dict, where: str) -> dict[str, str]:
    """The `scenarios` phrases, an old grid's `none` read as `open` (in the same place, so a
    plan's cells, and so its seeds, stay as they were)."""
    phrases = data.get("scenarios")
    if isinstance(phrases, dict):
        renamed = {_OLD_SCENARIO_NAMES.get(name, name): text for name, text in phrases.items()}
        if len(renamed) < len(phrases):
            raise ValueError(
                f"{where}: 'scenarios' names the plain setting twice, as {OPEN!r} and by its "
                "old name 'none'; keep only 'open'"
            )
        data = {**data, "scenarios": renamed}
    return _phrases(data, "scenarios", SCENARIOS, where)


def _check_placeholders(text: str, expected: set[str], where: str) -> None:
    try:
        found = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise ValueError(f"{where} is not a valid template: {error}") from None
    if found != expected:
        wanted = ", ".join("{" + name + "}" for name in sorted(expected))
        raise ValueError(
            f"{where} must use exactly the placeholders {wanted}, found {found or 'none'}"
        )
