"""Batched generation with one seed per image and a provenance record per image."""

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from importlib import metadata
from itertools import islice

from PIL import Image

from benchmark.scenes.grid import SceneSpec
from benchmark.scenes.pipeline import LoadedPipeline, release_device_memory

# Defaults suit stabilityai/sd-turbo: few steps and no classifier-free guidance. The negative
# prompt only takes effect when guidance is above 1 (e.g. --guidance 7.5 --steps 25 on SD 1.5).
DEFAULT_STEPS = 4
DEFAULT_GUIDANCE = 0.0
# The paper's scenes are 768 px (1024 px also used); a tiny random-weight demo model is run
# small instead, its pixels being noise at any size. The size is in each scene's provenance.
DEFAULT_SIZE = 768
# Initial noise comes from CPU generators, so a seed gives the same starting latents on any device.
GENERATOR_DEVICE = "cpu"


@dataclass(frozen=True)
class GeneratedScene:
    spec: SceneSpec
    image: Image.Image
    provenance: dict


def generate(
    loaded: LoadedPipeline,
    specs: Iterable[SceneSpec],
    *,
    steps: int = DEFAULT_STEPS,
    guidance: float = DEFAULT_GUIDANCE,
    width: int = DEFAULT_SIZE,
    height: int = DEFAULT_SIZE,
    batch_size: int = 1,
) -> Iterator[GeneratedScene]:
    """Generate one image per spec, `batch_size` per pipeline call, in the order given.

    Each image has its own generator seeded with `spec.seed`, so its noise does not depend on
    which batch it is in. The pixels are identical for identical settings; across batch sizes
    the kernels' float rounding differs, which can move a rare pixel by one level (see
    `regenerate` for an exact single image).
    """
    _check_settings(steps, width, height, batch_size)
    settings = {"steps": steps, "guidance": float(guidance), "width": width, "height": height}
    return _generate_batches(loaded, iter(specs), settings, batch_size)


def regenerate(loaded: LoadedPipeline, record: dict) -> GeneratedScene:
    """The scene a provenance record describes, bit for bit.

    The spec fills a batch of the size the scene was made in, because the batch size (not the
    other images in the batch) is what the kernels' rounding depends on.
    """
    # A local folder is known by its content hash (it may have moved), a hub model by its commit.
    model_keys = ("model_hash",) if record["model_hash"] else ("model", "revision")
    identity = (*model_keys, "dtype", "device")
    mismatched = [key for key in identity if record[key] != getattr(loaded, key)]
    if mismatched:
        raise ValueError(f"the loaded pipeline differs from the record in {', '.join(mismatched)}")
    spec = SceneSpec(**{field.name: record[field.name] for field in fields(SceneSpec)})
    settings = {key: record[key] for key in ("steps", "guidance", "width", "height")}
    size = record["batch_size"]
    return next(generate(loaded, [spec] * size, batch_size=size, **settings))


def _generate_batches(
    loaded: LoadedPipeline, specs: Iterator[SceneSpec], settings: dict, batch_size: int
) -> Iterator[GeneratedScene]:
    while batch := list(islice(specs, batch_size)):
        try:
            output = _run_batch(loaded.pipe, batch, settings)
        except BaseException:
            # A failed batch (often out of memory) must not leave the worker's GPU full.
            release_device_memory(loaded.device)
            raise
        flags = getattr(output, "nsfw_content_detected", None) or [None] * len(batch)
        batch_settings = {**settings, "batch_size": len(batch)}
        for spec, image, flagged in zip(batch, output.images, flags, strict=True):
            yield GeneratedScene(spec, image, provenance(loaded, spec, batch_settings, flagged))


def provenance(loaded: LoadedPipeline, spec: SceneSpec, settings: dict, flagged=None) -> dict:
    """What is needed to regenerate the image exactly and to judge how it was made."""
    return {
        "index": spec.index,
        "target_type": spec.target_type,
        "scenario": spec.scenario,
        "cue": spec.cue,
        "prompt": spec.prompt,
        "negative_prompt": spec.negative_prompt,
        "seed": spec.seed,
        **settings,
        "model": loaded.model,
        "revision": loaded.revision,
        "model_hash": loaded.model_hash,
        "simulated": loaded.simulated,
        "pipeline": type(loaded.pipe).__name__,
        "scheduler": loaded.scheduler_name,
        "dtype": loaded.dtype,
        "device": loaded.device,
        "generator_device": GENERATOR_DEVICE,
        "versions": library_versions(),
        # Only pipelines with a safety checker report this; a flagged image comes back black.
        "nsfw_detected": None if flagged is None else bool(flagged),
    }


@functools.cache
def library_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("diffusers", "torch", "transformers")}


def _run_batch(pipe, batch: list[SceneSpec], settings: dict):
    import torch

    return pipe(
        prompt=[spec.prompt for spec in batch],
        negative_prompt=[spec.negative_prompt for spec in batch],
        generator=[torch.Generator(GENERATOR_DEVICE).manual_seed(spec.seed) for spec in batch],
        num_inference_steps=settings["steps"],
        guidance_scale=settings["guidance"],
        width=settings["width"],
        height=settings["height"],
        output_type="pil",
    )


def _check_settings(steps: int, width: int, height: int, batch_size: int) -> None:
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    for name, size in (("width", width), ("height", height)):
        if size < 8 or size % 8:
            raise ValueError(f"{name} must be a positive multiple of 8, not {size}")
