"""`python -m benchmark scenes`: generate no-PII diffusion scenes with a provenance JSONL.

OUT must be new or empty; an earlier run there is replaced only with --overwrite (see
benchmark.commands.output). The diffusion libraries' warnings and progress bars are
silenced unless --verbose.
"""

import argparse
import logging
import os
import re
import sys
import warnings
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import non_negative_int, positive_int
from benchmark.commands.output import add_overwrite_argument, check_out

_SCENE_FILE = re.compile(r"scene-\d{5}\.png")
# The libraries a pipeline load and a generation log through.
_LIBRARY_LOGGERS = ("diffusers", "transformers", "huggingface_hub", "torch", "accelerate")

HELP = "Generate diffusion scenes from the prompt grid: OUT/scene-NNNNN.png + OUT/provenance.jsonl."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from benchmark.scenes import (
        DEFAULT_GUIDANCE,
        DEFAULT_MODEL,
        DEFAULT_SIZE,
        DEFAULT_STEPS,
        DTYPES,
    )

    parser.add_argument(
        "--model",
        default=os.environ.get("SCENES_MODEL", DEFAULT_MODEL),
        help="hub id or local diffusers folder (default: $SCENES_MODEL, else %(default)s)",
    )
    parser.add_argument("--revision", help="hub revision (branch, tag or commit)")
    parser.add_argument("--n", type=positive_int, default=8, help="number of scenes")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="run seed")
    parser.add_argument("--out", type=Path, help="new or empty output folder")
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=DEFAULT_STEPS,
        help="denoising steps (default %(default)s)",
    )
    parser.add_argument(
        "--guidance",
        type=float,
        default=DEFAULT_GUIDANCE,
        help="classifier-free guidance scale; 0 for turbo models (default %(default)s)",
    )
    parser.add_argument(
        "--size",
        type=_size,
        default=(DEFAULT_SIZE, DEFAULT_SIZE),
        help="N or WxH, multiples of 8 (default %(default)s)",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=1, help="images per pipeline call (default 1)"
    )
    parser.add_argument("--grid", type=Path, help="prompt grid JSON (default: the bundled one)")
    parser.add_argument("--device", default="auto", help="auto, cuda, cuda:N, mps or cpu")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPES,
        help="weights' precision (default auto: half on a GPU, full on the CPU)",
    )
    parser.add_argument("--scheduler", help="diffusers scheduler class to use instead")
    parser.add_argument("--plan", action="store_true", help="print scenes per grid cell and stop")
    add_overwrite_argument(parser)
    parser.add_argument(
        "--verbose", action="store_true", help="show the diffusion libraries' warnings and logs"
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.scenes import count_per_cell, load_grid, plan_n_scenes

    try:
        specs = plan_n_scenes(load_grid(args.grid), args.n, args.seed)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.plan:
        _print_plan(count_per_cell(specs))
        return 0
    if args.out is None:
        raise CommandError("--out is required: give a new or empty folder for the scenes")
    check_out(args.out, overwrite=args.overwrite, is_ours=_earlier_scenes)
    if not args.verbose:
        _quiet_libraries()
    loaded = _load(args)
    try:
        _write_scenes(loaded, specs, args)
    finally:
        loaded.close()
    note = " (random-weight demo model: the images are noise)" if loaded.simulated else ""
    print(f"wrote {len(specs)} scenes and provenance.jsonl to {args.out}{note}")
    return 0


def _load(args: argparse.Namespace):
    from benchmark.scenes import PipelineLoadError, load_pipeline

    try:
        return load_pipeline(
            args.model,
            revision=args.revision,
            scheduler=args.scheduler,
            dtype=args.dtype,
            device=args.device,
        )
    except PipelineLoadError as error:
        raise CommandError(str(error)) from None


def _write_scenes(loaded, specs: list, args: argparse.Namespace) -> None:
    """Write into a staging folder beside OUT that takes OUT's place at the end: never half
    a run."""
    from tqdm import tqdm

    from benchmark.files import json_line, staged_folder
    from benchmark.scenes import generate

    width, height = args.size
    with staged_folder(args.out) as staging:
        scenes = generate(
            loaded,
            specs,
            steps=args.steps,
            guidance=args.guidance,
            width=width,
            height=height,
            batch_size=args.batch_size,
        )
        with open(staging / "provenance.jsonl", "wb") as provenance:
            for scene in tqdm(
                scenes, total=len(specs), unit="scene", disable=None, file=sys.stderr
            ):
                name = f"scene-{scene.spec.index:05d}.png"
                scene.image.save(staging / name, format="PNG")
                provenance.write(json_line({"file": name, **scene.provenance}))
        # Nothing else was written there while we generated.
        check_out(args.out, overwrite=args.overwrite, is_ours=_earlier_scenes)


def _earlier_scenes(folder: Path) -> bool:
    """Only what a scenes run writes: scene-NNNNN.png files and provenance.jsonl."""
    names = [entry.name for entry in folder.iterdir() if entry.is_file()]
    return (
        len(names) == len(list(folder.iterdir()))
        and "provenance.jsonl" in names
        and all(name == "provenance.jsonl" or _SCENE_FILE.fullmatch(name) for name in names)
    )


def _quiet_libraries() -> None:
    """Python warnings and the libraries' logs below errors are dropped; the libraries read
    their verbosity from the environment when first imported (after this)."""
    warnings.filterwarnings("ignore")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def _print_plan(counts: dict) -> None:
    print(f"{'target_type':<12} {'scenario':<13} {'cue':<10} scenes")
    for cell, count in counts.items():
        print(f"{cell.target_type:<12} {cell.scenario:<13} {cell.cue:<10} {count}")
    print(f"{len(counts)} cells, {sum(counts.values())} scenes")


def _size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    try:
        width, height = (int(parts[0]), int(parts[0])) if len(parts) == 1 else map(int, parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not N or WxH (e.g. 512 or 768x512)"
        ) from None
    if min(width, height) < 8 or width % 8 or height % 8:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be multiples of 8")
    return width, height
