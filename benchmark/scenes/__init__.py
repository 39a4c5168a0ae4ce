"""Diffusion scenes for the retention test: prompt grid, pipeline loading, batched generation
with per-image seeds and provenance, and random-weight demo pipelines.

Importing this package is cheap: torch and diffusers load only when a pipeline is built or used.
"""

from benchmark.scenes.demo_models import build_random_pipeline, build_tiny_pipeline
from benchmark.scenes.generate import (
    DEFAULT_GUIDANCE,
    DEFAULT_SIZE,
    DEFAULT_STEPS,
    GeneratedScene,
    generate,
    library_versions,
    regenerate,
)
from benchmark.scenes.grid import (
    DEFAULT_GRID_PATH,
    GridCell,
    SceneGrid,
    SceneSpec,
    count_per_cell,
    load_grid,
    parse_grid,
    plan_n_scenes,
    plan_scenes,
    scene_seed,
)
from benchmark.scenes.pipeline import (
    DEFAULT_MODEL,
    DEMO_MARKER,
    DTYPES,
    LoadedPipeline,
    PipelineCache,
    PipelineLoadError,
    folder_hash,
    load_pipeline,
)

__all__ = [
    "DEFAULT_GRID_PATH",
    "DEFAULT_GUIDANCE",
    "DEFAULT_MODEL",
    "DEFAULT_SIZE",
    "DEFAULT_STEPS",
    "DEMO_MARKER",
    "DTYPES",
    "GeneratedScene",
    "GridCell",
    "LoadedPipeline",
    "PipelineCache",
    "PipelineLoadError",
    "SceneGrid",
    "SceneSpec",
    "build_random_pipeline",
    "build_tiny_pipeline",
    "count_per_cell",
    "folder_hash",
    "generate",
    "library_versions",
    "load_grid",
    "parse_grid",
    "load_pipeline",
    "plan_n_scenes",
    "plan_scenes",
    "regenerate",
    "scene_seed",
]
