"""`python -m benchmark render`: template form images and their ground truth.

Writes OUT/<scenario>/<identity id>-v<variant>[-<target type>].png and
OUT/fields.jsonl (one object per image, in the order identities x scenarios x
variants x target types). Images are rendered by a pool of processes; the result
is the same whatever the number of workers. Everything is written to a staging
folder beside OUT and moved into place at the end, so OUT never holds half a run;
an OUT from an earlier render is replaced.
"""

import argparse
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import positive_int
from benchmark.commands.output import add_overwrite_argument, check_out
from benchmark.vocab import SCENARIOS, TARGET_TYPES, carries_target_type, target_types_for

HELP = "Render template forms for identities: OUT/<scenario>/*.png and OUT/fields.jsonl."

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--identities", type=Path, required=True, help="identities JSONL file")
    parser.add_argument(
        "--scenario",
        choices=("all", *SCENARIOS),
        default="all",
        help="which form to render (default: all four)",
    )
    parser.add_argument("--out", type=Path, required=True, help="new or empty output folder")
    parser.add_argument(
        "--variants", default="all", help='"all" or variant numbers, e.g. 0 or 0,1 (default all)'
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="processes (default: all cores)",
    )
    parser.add_argument("--hand", action="store_true", help="write values in a handwriting font")
    add_overwrite_argument(parser)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from benchmark.files import json_line, staged_folder

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    variants = _variants(args.variants, scenarios)
    check_out(args.out, overwrite=args.overwrite, is_ours=_earlier_render)
    people = read_identities(args.identities, scenarios)
    jobs = list(_jobs(people, variants, args.hand))
    with staged_folder(args.out) as staging:
        for scenario in scenarios:
            (staging / scenario).mkdir()
        with tqdm(total=len(jobs), unit="form", disable=None, file=sys.stderr) as progress:
            records = _render_all(jobs, staging, args.workers, args.identities, progress)
        with open(staging / "fields.jsonl", "wb") as fields:
            fields.writelines(map(json_line, records))
        # Nothing else was written there while we rendered.
        check_out(args.out, overwrite=args.overwrite, is_ours=_earlier_render)
    print(f"wrote {len(jobs)} images and fields.jsonl to {args.out}")
    return 0


def read_identities(path: Path, scenarios) -> list[tuple[int, dict]]:
    """(line number, identity) for each line; CommandError naming the file and line of
    the first line that is not a JSON object with a usable id and the keys the forms need."""
    from benchmark.files import JsonlError, read_jsonl
    from benchmark.forms import REQUIRED_KEYS

    needed = {"id"}
    for scenario in scenarios:
        needed.update(REQUIRED_KEYS[scenario])
        if carries_target_type(scenario):
            needed.update(TARGET_TYPES)
    people, seen = [], {}
    try:
        for number, identity in read_jsonl(path):
            problem = _identity_problem(identity, needed, seen)
            if problem:
                raise CommandError(f"{path}, line {number}: {problem}")
            seen[identity["id"]] = number
            people.append((number, identity))
    except JsonlError as error:
        raise CommandError(f"cannot read identities file {error}") from None
    if not people:
        raise CommandError(
            f"{path} holds no identities; write some with `python -m benchmark identities`"
        )
    return people


def _identity_problem(identity: dict, needed: set[str], seen: dict[str, int]) -> str | None:
    missing = sorted(key for key in needed if not isinstance(identity.get(key), str))
    if missing:
        return f"missing or non-string key(s) {missing}"
    if not _SAFE_ID.fullmatch(identity["id"]):
        return f"id {identity['id']!r} cannot name a file; use letters, digits, . _ -"
    if identity["id"] in seen:
        return f"id {identity['id']!r} repeats line {seen[identity['id']]}"
    return None


def _variants(text: str, scenarios) -> dict[str, list[int]]:
    from benchmark.forms import variant_count

    if text == "all":
        return {scenario: list(range(variant_count(scenario))) for scenario in scenarios}
    try:
        chosen = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise CommandError(f'--variants {text!r}: give "all" or numbers such as 0 or 0,1') from None
    for scenario in scenarios:
        if chosen[0] < 0 or chosen[-1] >= variant_count(scenario):
            raise CommandError(
                f"--variants {text}: {scenario} has variants 0..{variant_count(scenario) - 1}"
            )
    return {scenario: chosen for scenario in scenarios}


def _jobs(people, variants: dict[str, list[int]], hand: bool):
    for number, identity in people:
        for scenario, numbers in variants.items():
            for variant in numbers:
                for target in target_types_for(scenario):
                    suffix = f"-{target}" if target else ""
                    image = f"{scenario}/{identity['id']}-v{variant}{suffix}.png"
                    yield number, identity, scenario, variant, target or None, image, hand


def _render_all(jobs, staging: Path, workers: int, path: Path, progress) -> list[dict]:
    tasks = [(*job, str(staging)) for job in jobs]
    records = []
    if workers == 1 or len(tasks) < 2:
        results = map(render_job, tasks)
        return _collect(results, path, progress, records)
    chunk = max(1, min(16, len(tasks) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        try:
            return _collect(pool.map(render_job, tasks, chunksize=chunk), path, progress, records)
        except CommandError:
            pool.shutdown(cancel_futures=True)
            raise


def _collect(results, path: Path, progress, records: list) -> list[dict]:
    for result in results:
        if "error" in result:
            raise CommandError(f"{path}, line {result['line']}: {result['error']}")
        records.append(result)
        progress.update()
    return records


def render_job(task) -> dict:
    """Render one image into the staging folder; its fields.jsonl record, or the error."""
    from benchmark.forms import render_form

    number, identity, scenario, variant, target, image, hand, staging = task
    try:
        form = render_form(identity, scenario, variant, target_type=target, hand=hand)
    except ValueError as error:
        return {"line": number, "error": f"cannot render {scenario} for {identity['id']}: {error}"}
    Path(staging, image).write_bytes(form.to_png())
    return {
        "image": image,
        "identity_id": identity["id"],
        "scenario": scenario,
        "variant": variant,
        "target_type": target,
        "fields": [field.as_dict() for field in form.fields],
    }


def _earlier_render(folder: Path) -> bool:
    """Only what a render writes: fields.jsonl and scenario folders of PNGs."""
    entries = list(folder.iterdir())
    for entry in entries:
        if entry.name == "fields.jsonl" and entry.is_file():
            continue
        if entry.name not in SCENARIOS or not entry.is_dir():
            return False
        if any(not (png.is_file() and png.suffix == ".png") for png in entry.iterdir()):
            return False
    return any(entry.name == "fields.jsonl" for entry in entries)
