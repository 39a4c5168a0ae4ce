import shutil

import huggingface_hub
import pytest

from benchmark.scenes import (
    PipelineCache,
    PipelineLoadError,
    build_tiny_pipeline,
    folder_hash,
    generate,
    load_grid,
    load_pipeline,
    plan_scenes,
)


def assert_one_clear_sentence(error: PipelineLoadError, model: str, reason: str, hint=True):
    message = str(error)
    assert "\n" not in message
    assert message.count(". ") == 0 and message.endswith(".")
    assert message.startswith(f"Cannot load the diffusion model {model!r}: ")
    assert reason in message
    assert ("SCENES_MODEL" in message) is hint


def test_a_missing_folder_is_a_clear_load_error(tmp_path):
    model = str(tmp_path / "no-such-model")
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(model, device="cpu")
    assert_one_clear_sentence(caught.value, model, "that folder does not exist")


def test_a_folder_that_is_not_a_pipeline_is_a_clear_load_error(tmp_path, tiny_model_dir):
    model = str(tiny_model_dir / "unet")
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(model, device="cpu")
    assert_one_clear_sentence(caught.value, model, "has no model_index.json")


def test_a_broken_pipeline_folder_is_a_clear_load_error(tmp_path, tiny_model_dir):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"not weights")
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(str(broken), device="cpu")
    assert_one_clear_sentence(caught.value, str(broken), "Unable to load weights")


def test_an_uncached_hub_id_offline_is_a_clear_load_error():
    assert huggingface_hub.is_offline_mode(), "tests must run with HF_HUB_OFFLINE=1"
    model = "mm-privacy-tests/no-such-model"
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(model, device="cpu")
    assert_one_clear_sentence(caught.value, model, "offline mode (HF_HUB_OFFLINE) is on")


def test_an_invalid_hub_id_is_a_clear_load_error():
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline("not a model!", device="cpu")
    assert_one_clear_sentence(caught.value, "not a model!", "neither an existing folder")


def test_an_unknown_scheduler_or_dtype_is_a_clear_load_error(tiny_model_dir):
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(str(tiny_model_dir), scheduler="FastestScheduler", device="cpu")
    reason = "'FastestScheduler' is not a diffusers scheduler class"
    assert_one_clear_sentence(caught.value, str(tiny_model_dir), reason, hint=False)
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(str(tiny_model_dir), dtype="float8", device="cpu")
    reason = "dtype 'float8' is not one of auto, float16"
    assert_one_clear_sentence(caught.value, str(tiny_model_dir), reason, hint=False)


def test_a_scheduler_can_be_swapped_by_class_name(tiny_model_dir, fast_settings):
    loaded = load_pipeline(str(tiny_model_dir), scheduler="DDIMScheduler", device="cpu")
    try:
        assert loaded.scheduler_name == "DDIMScheduler"
        spec = plan_scenes(load_grid(), per_cell=1, seed=0)[0]
        scene = next(generate(loaded, [spec], **fast_settings))
        assert scene.provenance["scheduler"] == "DDIMScheduler"
    finally:
        loaded.close()


def test_a_local_folder_is_identified_by_its_content_hash(tmp_path, tiny_pipeline, tiny_model_dir):
    assert tiny_pipeline.model_hash == folder_hash(tiny_model_dir)
    assert tiny_pipeline.revision is None
    assert tiny_pipeline.simulated
    changed = tmp_path / "changed"
    shutil.copytree(tiny_model_dir, changed)
    assert folder_hash(changed) == tiny_pipeline.model_hash
    (changed / "scheduler" / "scheduler_config.json").write_text("{}")
    assert folder_hash(changed) != tiny_pipeline.model_hash


def test_the_tiny_builder_is_deterministic_and_keeps_other_folders(tmp_path, tiny_model_dir):
    rebuilt = build_tiny_pipeline(tmp_path / "again")
    assert folder_hash(rebuilt) == folder_hash(tiny_model_dir)
    assert folder_hash(build_tiny_pipeline(rebuilt)) == folder_hash(tiny_model_dir)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="holds other files"):
        build_tiny_pipeline(precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_the_cache_loads_once_for_ten_jobs_and_closes_on_a_switch(tiny_model_dir, tmp_path):
    cache = PipelineCache()
    options = {"device": "cpu", "dtype": "float32"}
    first = cache.get(str(tiny_model_dir), **options)
    for _ in range(9):
        assert cache.get(str(tiny_model_dir), **options) is first
    assert cache.loads == 1
    other = build_tiny_pipeline(tmp_path / "other")
    second = cache.get(str(other), **options)
    assert cache.loads == 2
    assert first.pipe is None and second.pipe is not None
    cache.close()
    assert second.pipe is None
