"""Demo scenes: one per target type x scenario with the configured model, or, when it cannot be
loaded (scripts/demo runs offline), with a tiny random-weight model built once under var/."""

import dataclasses

from django.conf import settings

from benchmark import scenes as bscenes
from curation.core.models import Image, Source
from curation.scenes import selectors, services, tasks
from curation.scenes.models import SceneRun

DEMO_SEED = 5
REAL_MODEL_SETTINGS = {
    "steps": bscenes.DEFAULT_STEPS,
    "width": bscenes.DEFAULT_SIZE,
    "height": bscenes.DEFAULT_SIZE,
    "batch_size": 4,
}
RANDOM_WEIGHT_SETTINGS = {"steps": 2, "width": 128, "height": 128, "batch_size": 12}
FALLBACK_NOTE = (
    "These scenes come from a tiny random-weight model (noise, marked simulated in provenance). "
    "For real scenes set SCENES_MODEL to a hub id or a local diffusers folder, then run "
    "`manage.py generate_scenes --per-cell N --seed S`."
)


def seed(say, options) -> None:
    stored = Image.objects.filter(source=Source.DIFFUSION).count()
    if stored:
        say(f"Scenes: {stored} already stored; none generated.")
        return
    model, sizes, why_not_configured = _usable_model()
    scale = options.get("scale")
    run = services.scene_run_start(
        plan=_demo_plan(scale.scenes_per_cell if scale else 1),
        inline=True,
        model=model,
        revision="",
        scheduler="",
        dtype="auto",
        device=settings.SCENES_DEVICE,
        guidance=bscenes.DEFAULT_GUIDANCE,
        **sizes,
    )
    progress = selectors.scene_run_progress(run)
    say(f"Scenes: {progress['stored']} generated with {model} (run #{run.pk}), pending review.")
    for failure in progress["failures"]:
        say(f"  failed: {failure['error']}")
    if why_not_configured:
        say(f"  {why_not_configured}")


def _usable_model() -> tuple[str, dict, str]:
    """The configured model when it loads, else the tiny demo model and why; random-weight
    models make small images (their pixels are noise at any size)."""
    try:
        # Loaded as the demo run's jobs will ask for it, so they find it already loaded.
        options = tasks.pipeline_options(SceneRun(dtype="auto", device=settings.SCENES_DEVICE))
        loaded = tasks.PIPELINES.get(settings.SCENES_MODEL, **options)
    except bscenes.PipelineLoadError as error:
        return str(_demo_model()), RANDOM_WEIGHT_SETTINGS, f"{error} {FALLBACK_NOTE}"
    return (
        settings.SCENES_MODEL,
        RANDOM_WEIGHT_SETTINGS if loaded.simulated else REAL_MODEL_SETTINGS,
        "",
    )


def _demo_model():
    folder = settings.VAR_DIR / "demo-model"
    if not (folder / bscenes.DEMO_MARKER).is_file():
        bscenes.build_tiny_pipeline(folder)
    return folder


def _demo_plan(per_cell: int) -> services.ScenePlan:
    """Every target type x scenario with the grid's first cue: a dozen cells."""
    plan = services.scene_plan(grid_path=None, per_cell=per_cell, per_job=12, seed=DEMO_SEED)
    first_cue = next(iter(plan.grid.cues.items()))
    grid = dataclasses.replace(plan.grid, cues=dict([first_cue]))
    return dataclasses.replace(plan, grid=grid)
