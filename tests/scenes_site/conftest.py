"""Scene-site fixtures: one tiny random-weight pipeline per session, a six-cell grid, and a
helper that starts runs with settings that take milliseconds per scene on a CPU."""

import os

# Before huggingface_hub is imported: a test must never reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"

import pytest  # noqa: E402

from benchmark.scenes import build_tiny_pipeline  # noqa: E402
from curation.scenes import services  # noqa: E402
from tests.support.scene_grid import small_grid_file  # noqa: E402

FAST = {
    "revision": "",
    "scheduler": "",
    "dtype": "auto",
    "device": "cpu",
    "steps": 2,
    "guidance": 0.0,
    "width": 64,
    "height": 64,
    "batch_size": 2,
}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return str(build_tiny_pipeline(tmp_path_factory.mktemp("scenes-site") / "tiny-model"))


@pytest.fixture
def small_grid(tmp_path) -> str:
    return small_grid_file(tmp_path)


@pytest.fixture
def start_run(tiny_model, small_grid):
    """Start a scene run (queued; jobs run on commit per JOBS_MODE) with fast settings."""

    def start(*, per_cell=1, per_job=2, seed=1, inline=False, **overrides):
        plan = services.scene_plan(
            grid_path=overrides.pop("grid", small_grid),
            per_cell=per_cell,
            per_job=per_job,
            seed=seed,
            batch_size=overrides.get("batch_size", FAST["batch_size"]),
        )
        generation = {**FAST, "model": tiny_model, **overrides}
        return services.scene_run_start(plan=plan, inline=inline, **generation)

    return start
