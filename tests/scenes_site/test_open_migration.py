"""Scenes stored when they called the plain context `none` become `open` scenes, and a run
started then resumes with `open` in its grid snapshot."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0001_initial"), ("scenes", "0001_initial")]
AFTER = [("core", "0002_scenes_say_open"), ("scenes", "0002_grid_snapshots_say_open")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _image(apps, source: str, scenario: str, number: int):
    return apps.get_model("core", "Image").objects.create(
        source=source,
        scenario=scenario,
        file=f"x/{number}.png",
        sha256=f"{number:064d}",
        size_bytes=1,
        width=1,
        height=1,
        provenance={"scenario": scenario},
    )


def _run(apps, settings: list):
    return apps.get_model("scenes", "SceneRun").objects.create(
        model="demo",
        steps=1,
        guidance=1.0,
        width=64,
        height=64,
        batch_size=1,
        per_job=1,
        per_cell=1,
        seed=1,
        grid_path="",
        grid={"settings": settings, "cues": [["leak", "{subject} leaking"]]},
        total=1,
    )


@pytest.fixture
def migrated_back_to_the_latest(transactional_db):
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_none_scenes_and_grid_snapshots_become_open_and_back(migrated_back_to_the_latest):
    old = _migrate(BEFORE)
    scene = _image(old, "diffusion", "none", 1)
    form = _image(old, "template", "hiring", 2)
    run = _run(old, [["none", "on a desk"], ["hiring", "in an office"]])

    new = _migrate(AFTER)
    Image, SceneRun = new.get_model("core", "Image"), new.get_model("scenes", "SceneRun")
    moved = Image.objects.get(pk=scene.pk)
    assert (moved.scenario, moved.provenance["scenario"]) == ("open", "open")
    assert Image.objects.get(pk=form.pk).scenario == "hiring"
    assert SceneRun.objects.get(pk=run.pk).grid["settings"][0] == ["open", "on a desk"]

    back = _migrate(BEFORE)
    assert back.get_model("core", "Image").objects.get(pk=scene.pk).scenario == "none"
    assert back.get_model("scenes", "SceneRun").objects.get(pk=run.pk).grid["settings"][0] == [
        "none",
        "on a desk",
    ]
