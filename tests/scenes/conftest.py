"""Scenes fixtures: one tiny random-weight pipeline per test session, loaded on the CPU.

The model is built from configs and saved with `save_pretrained`, then loaded back through
`load_pipeline`, the same `from_pretrained` path a real model takes. Nothing is downloaded.
"""

import os

# Before huggingface_hub is imported: a test must never reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"

import pytest  # noqa: E402

from benchmark.scenes import build_tiny_pipeline, load_pipeline  # noqa: E402

FAST = {"steps": 2, "guidance": 0.0, "width": 64, "height": 64}


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return build_tiny_pipeline(tmp_path_factory.mktemp("scenes") / "tiny-model")


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_model_dir):
    loaded = load_pipeline(str(tiny_model_dir), device="cpu")
    yield loaded
    loaded.close()


@pytest.fixture
def fast_settings():
    """Generation settings small enough for milliseconds per image on a CPU."""
    return dict(FAST)
