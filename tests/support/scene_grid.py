"""The bundled scene grid cut small, for tests that generate scenes with the tiny model."""

import json
from pathlib import Path

from benchmark.scenes import DEFAULT_GRID_PATH


def small_grid_file(folder: Path) -> str:
    """3 target types x 2 scenarios x 1 cue (its words suit the tiny model's tokenizer)."""
    data = json.loads(DEFAULT_GRID_PATH.read_text())
    data["scenarios"] = {name: data["scenarios"][name] for name in ("open", "hiring")}
    data["cues"] = {"leak": data["cues"]["leak"]}
    path = folder / "grid.json"
    path.write_text(json.dumps(data))
    return str(path)
