from importlib import metadata

import numpy as np
import pytest

from benchmark.scenes import folder_hash, generate, load_grid, plan_scenes, regenerate


def pixels(scenes):
    return [np.asarray(scene.image) for scene in scenes]


@pytest.fixture(scope="module")
def specs():
    return plan_scenes(load_grid(), per_cell=1, seed=3)[:6]


def test_same_seed_gives_identical_pixels(tiny_pipeline, specs, fast_settings):
    first = pixels(generate(tiny_pipeline, specs, batch_size=3, **fast_settings))
    second = pixels(generate(tiny_pipeline, specs, batch_size=3, **fast_settings))
    assert len(first) == len(specs)
    for a, b in zip(first, second, strict=True):
        assert a.shape == (64, 64, 3)
        assert np.array_equal(a, b)


def test_different_seeds_give_different_images(tiny_pipeline, specs, fast_settings):
    images = pixels(generate(tiny_pipeline, specs[:3], batch_size=3, **fast_settings))
    assert not np.array_equal(images[0], images[1])
    assert not np.array_equal(images[1], images[2])


def test_batching_keeps_each_images_noise_and_at_most_rounding_differences(
    tiny_pipeline, specs, fast_settings
):
    batched = pixels(generate(tiny_pipeline, specs, batch_size=4, **fast_settings))
    one_by_one = pixels(generate(tiny_pipeline, specs, batch_size=1, **fast_settings))
    differences = np.abs(np.stack(batched).astype(int) - np.stack(one_by_one).astype(int))
    # CPU kernels round differently per batch size: a rare pixel may move by one level.
    assert differences.max() <= 1
    assert np.count_nonzero(differences) <= 0.001 * differences.size


def test_any_single_image_regenerates_exactly_from_its_provenance(
    tiny_pipeline, specs, fast_settings
):
    settings = {**fast_settings, "guidance": 3.0}  # with guidance the negative prompt is used too
    run = list(generate(tiny_pipeline, specs, batch_size=4, **settings))
    for original in (run[2], run[5]):
        again = regenerate(tiny_pipeline, original.provenance)
        assert again.spec == original.spec
        assert again.provenance == original.provenance
        assert np.array_equal(np.asarray(again.image), np.asarray(original.image))


def test_regenerating_with_another_model_is_refused(tiny_pipeline, specs, fast_settings):
    record = next(generate(tiny_pipeline, specs[:1], **fast_settings)).provenance
    with pytest.raises(ValueError, match="differs from the record in model_hash"):
        regenerate(tiny_pipeline, {**record, "model_hash": "sha256:other"})


def test_provenance_records_everything_needed_to_regenerate(
    tiny_pipeline, tiny_model_dir, specs, fast_settings
):
    scene = next(generate(tiny_pipeline, specs[1:2], **fast_settings))
    spec, record = scene.spec, scene.provenance
    assert record == {
        "index": spec.index,
        "target_type": spec.target_type,
        "scenario": spec.scenario,
        "cue": spec.cue,
        "prompt": spec.prompt,
        "negative_prompt": spec.negative_prompt,
        "seed": spec.seed,
        "steps": 2,
        "guidance": 0.0,
        "width": 64,
        "height": 64,
        "batch_size": 1,
        "model": str(tiny_model_dir),
        "revision": None,
        "model_hash": folder_hash(tiny_model_dir),
        "simulated": True,
        "pipeline": "StableDiffusionPipeline",
        "scheduler": "EulerDiscreteScheduler",
        "dtype": "float32",
        "device": "cpu",
        "generator_device": "cpu",
        "versions": {
            name: metadata.version(name) for name in ("diffusers", "torch", "transformers")
        },
        "nsfw_detected": None,
    }
    assert record["model_hash"].startswith("sha256:")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("width", 60, "width must be a positive multiple of 8"),
        ("steps", 0, "steps must be at least 1"),
        ("batch_size", 0, "batch_size must be at least 1"),
    ],
)
def test_bad_settings_fail_before_any_work(
    tiny_pipeline, specs, fast_settings, setting, value, message
):
    settings = {**fast_settings, "batch_size": 2, setting: value}
    with pytest.raises(ValueError, match=message):
        generate(tiny_pipeline, specs, **settings)
