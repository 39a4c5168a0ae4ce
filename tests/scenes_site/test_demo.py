"""Demo scenes: the configured model when it loads, else a tiny simulated model built once."""

import pytest

from benchmark.scenes import DEMO_MARKER, load_grid
from curation.core.models import Image
from curation.scenes import demo


@pytest.mark.django_db
def test_offline_it_builds_a_simulated_model_once_and_says_how_to_configure(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.SCENES_MODEL = str(tmp_path / "not-downloaded")
    settings.SCENES_DEVICE = "cpu"
    said = []
    demo.seed(said.append, {"accept_all": False})

    scenes = Image.objects.filter(source="diffusion")
    every_pair = {(cell.target_type, cell.scenario) for cell in load_grid().cells()}
    assert scenes.count() == len(every_pair) == 12
    assert {(image.target_type, image.scenario) for image in scenes} == every_pair
    assert all(image.simulated and image.provenance["simulated"] for image in scenes)
    assert all(image.status == "pending" and image.source == "diffusion" for image in scenes)
    # Random weights make noise at any size: the demo's stay small, their size recorded.
    assert {(image.provenance["width"], image.provenance["height"]) for image in scenes} == {
        (128, 128)
    }
    assert (settings.VAR_DIR / "demo-model" / DEMO_MARKER).is_file()
    message = " ".join(said)
    assert "12 generated" in message and "SCENES_MODEL" in message
    assert "manage.py generate_scenes" in message

    said.clear()
    demo.seed(said.append, {"accept_all": False})
    assert scenes.count() == 12 and "already stored" in said[0]


@pytest.mark.django_db
def test_it_uses_the_configured_model_when_it_loads(settings, tmp_path, tiny_model):
    settings.VAR_DIR = tmp_path / "var"
    settings.SCENES_MODEL = tiny_model
    settings.SCENES_DEVICE = "cpu"
    said = []
    demo.seed(said.append, {})
    image = Image.objects.filter(source="diffusion").first()
    assert image.provenance["model"] == tiny_model
    assert not (settings.VAR_DIR / "demo-model").exists()
    assert "tiny random-weight" not in " ".join(said)
