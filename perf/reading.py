"""How well and how fast benchmark.reading reads our images; prints one JSON object last.

- templates: rendered forms (all scenarios and variants); recall = share of their target
  values read as legible (goal >= 0.98);
- photos: the same forms filled in a handwriting font and turned into simulated phone
  photos (benchmark.photos.simulate_phone_photo, as the demo makes them; goal >= 0.9);
- degraded: template copies where a value cannot be read any more: heavy blur (all
  values), a crop that cuts the value's band out, glare that whites the value out; false
  legible = share of those values still called legible (goal <= 0.02);
- scenes: synthetic scenes (tests/support/painted_scenes.py), half with a painted phone and
  email (and some an SSN), half with everyday text only; PII recall = share of painted
  values flagged with their type and an overlapping box (goal >= 0.9), false flags = share
  of plain scenes with any flag (goal <= 0.05);
- throughput: read_check against the engine's bare call on the same images, CPU seconds of
  one process on one thread (per core); ratio = bare / read_check (goal >= 0.9);
- tesseract: Debian's Tesseract (apt-get install tesseract-ocr), measured only, on the first
  images of each set, read with the same rules (benchmark.reading.check_lines).

Every set is split: its first third ("dev") is what failing cases were looked at on while
the rules were written (runs with --small or --size read only dev images); the rest
("held_out") was not. Both are reported, and "all".

    nice -n 10 .venv/bin/python perf/reading.py [--small] [--workers 2] [--misses FILE]
"""

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The repository root, not perf/ (whose queue.py would hide the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

FULL = {
    "templates": 300,
    "photos": 100,
    "degraded": 150,
    "scenes": 100,
    "throughput": 12,
    "tesseract": 30,
}
SMALL = {"templates": 12, "photos": 4, "degraded": 6, "scenes": 6, "throughput": 3, "tesseract": 3}
DEGRADATIONS = ("blur", "crop", "glare")
# Identity pools: one per set, so no set shares a person with another.
POOL_SEEDS = {"templates": 101, "photos": 202, "degraded": 303}
SCENE_SEED = 4000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run on a few images")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", type=Path, help="write every miss here (JSON lines)")
    parser.add_argument("--no-tesseract", action="store_true")
    parser.add_argument(
        "--size", action="append", default=[], metavar="SET=N", help="e.g. --size templates=40"
    )
    args = parser.parse_args()
    sizes = dict(SMALL if args.small else FULL)
    for setting in args.size:
        name, _, count = setting.partition("=")
        if name not in sizes or not count.isdigit():
            parser.error(f"--size {setting!r}: give SET=N with SET one of {sorted(sizes)}")
        sizes[name] = int(count)
    os.environ["MMP_READING_THREADS"] = "1"  # per-core figures; workers run side by side
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract too
    tesseract = None if args.no_tesseract else shutil.which("tesseract")
    cases = _cases(sizes, tesseract)
    started = time.perf_counter()
    from concurrent.futures import ProcessPoolExecutor  # after sys.path is fixed (above)

    with ProcessPoolExecutor(args.workers) as pool:
        outcomes = list(pool.map(run_case, cases, chunksize=1))
    report = {
        "command": " ".join(["perf/reading.py", *sys.argv[1:]]),
        "engine": _engine_name(),
        "sizes": sizes,
        "workers": args.workers,
        "seconds": round(time.perf_counter() - started, 1),
    }
    report |= _summary(outcomes)
    report["throughput"] = throughput(sizes["throughput"])
    report["tesseract"] = _tesseract_summary(outcomes, tesseract)
    if args.misses:
        with args.misses.open("w") as out:
            for outcome in outcomes:
                for miss in outcome["misses"]:
                    out.write(json.dumps(miss) + "\n")
    print(json.dumps(report))


def _engine_name() -> str:
    from benchmark.reading import ENGINE

    return ENGINE


def _cases(sizes: dict, tesseract: str | None) -> list[tuple]:
    cases = []
    for kind in ("templates", "photos", "degraded"):
        for index in range(sizes[kind]):
            cases.append(
                (kind, index, _part(kind, index), tesseract and index < sizes["tesseract"])
            )
    for index in range(sizes["scenes"]):
        for with_pii in (True, False):
            use_tesseract = tesseract and index < sizes["tesseract"]
            cases.append(("scenes", index, _part("scenes", index), use_tesseract, with_pii))
    return cases


def _part(kind: str, index: int) -> str:
    """The first third of each full-size set is "dev"; a smaller run reads only dev images."""
    return "dev" if index < FULL[kind] // 3 else "held_out"


# The images.


@functools.cache
def _identities(kind: str, count: int) -> list[dict]:
    from benchmark.identities import make_pools

    return make_pools(count, 0, seed=POOL_SEEDS[kind]).memorisation


def template_form(index: int, kind: str = "templates", hand: bool = False):
    """The index-th form of a set: scenarios in turn, their variants and target types too."""
    from benchmark.forms import render_form, variant_count
    from benchmark.vocab import SCENARIOS, TARGET_TYPES

    identity = _identities(kind, 400)[index]
    scenario = SCENARIOS[index % len(SCENARIOS)]
    turn = index // len(SCENARIOS)
    variant = turn % variant_count(scenario)
    target_type = TARGET_TYPES[turn % len(TARGET_TYPES)] if scenario == "open" else None
    form = render_form(identity, scenario, variant, target_type=target_type, hand=hand)
    targets = [field for field in form.fields if field.name in TARGET_TYPES]
    expected = [(field.name, identity[field.name]) for field in targets]
    return form, targets, expected


def degraded_form(index: int):
    """A template copy with one value (or all, blurred) made unreadable, and its expected
    values: those that can no longer be read."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    form, targets, expected = template_form(index, "degraded")
    how = DEGRADATIONS[index % len(DEGRADATIONS)]
    chosen = targets[(index // len(DEGRADATIONS)) % len(targets)]
    image = form.image.convert("RGB")
    if how == "blur":
        return image.filter(ImageFilter.GaussianBlur(7)), expected, how
    x0, y0, x1, y1 = chosen.box
    if how == "crop":
        top, bottom = max(0, y0 - 4), min(image.height, y1 + 4)
        kept = Image.new("RGB", (image.width, image.height - (bottom - top)), "white")
        kept.paste(image.crop((0, 0, image.width, top)), (0, 0))
        kept.paste(image.crop((0, bottom, image.width, image.height)), (0, top))
        cut = [
            pair
            for field, pair in zip(targets, expected, strict=True)
            if field.box[1] < bottom and field.box[3] > top
        ]
        return kept, cut, how
    mask = Image.new("L", image.size, 0)
    margin = 8
    ImageDraw.Draw(mask).ellipse(
        [x0 - 3 * margin, y0 - 2 * margin, x1 + 3 * margin, y1 + 2 * margin], fill=255
    )
    mask = mask.filter(ImageFilter.GaussianBlur(margin))
    core = Image.new("L", image.size, 0)
    ImageDraw.Draw(core).rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], fill=255)
    strength = np.maximum(np.asarray(mask), np.asarray(core))[:, :, None] / 255.0
    glared = np.asarray(image, dtype=np.float32) * (1 - strength) + 250 * strength
    pair = expected[targets.index(chosen)]
    return Image.fromarray(glared.clip(0, 255).astype(np.uint8)), [pair], how


def case_image(case: tuple):
    """The image of a case, what must be read (or not) and a label."""
    kind, index = case[0], case[1]
    if kind == "templates":
        form, _, expected = template_form(index)
        return form.image, expected, f"{form.scenario}/{form.variant}"
    if kind == "photos":
        from benchmark.photos import simulate_phone_photo

        form, _, expected = template_form(index, "photos", hand=True)
        return simulate_phone_photo(form.image, seed=index, max_edge=1600), expected, form.scenario
    if kind == "degraded":
        return degraded_form(index)
    from tests.support.painted_scenes import painted_scene

    with_pii = case[4]
    image, painted = painted_scene(SCENE_SEED + 2 * index + with_pii, with_pii)
    return image, painted, "pii" if with_pii else "plain"


# Running a case.


def run_case(case: tuple) -> dict:
    from benchmark.reading import read_check

    kind, index, part, use_tesseract = case[:4]
    image, wanted, label = case_image(case)
    outcome = {"kind": kind, "index": index, "part": part, "label": label, "misses": []}
    started = time.process_time()
    find_pii = kind == "scenes"
    result = read_check(image, [] if find_pii else wanted, find_pii=find_pii)
    outcome["cpu_s"] = time.process_time() - started
    outcome |= _judge(kind, wanted, result, outcome["misses"], case)
    if use_tesseract:
        tesseract_started = time.perf_counter()
        tesseract_result = _tesseract_check(image, kind, wanted)
        outcome["tesseract"] = _judge(kind, wanted, tesseract_result, [], case)
        outcome["tesseract"]["wall_s"] = time.perf_counter() - tesseract_started
    return outcome


def _judge(kind: str, wanted, result: dict, misses: list, case: tuple) -> dict:
    if kind != "scenes":
        legible = [entry for entry in result["expected"] if entry["legible"]]
        bad = legible if kind == "degraded" else [e for e in result["expected"] if not e["legible"]]
        misses.extend({"case": list(case), **entry} for entry in bad)
        return {"targets": len(result["expected"]), "legible": len(legible)}
    values = [painted for painted in wanted if painted.kind]
    flagged = result["pii_like"]
    found = sum(any(_flags(flag, painted) for flag in flagged) for painted in values)
    stray = [flag for flag in flagged if not any(_flags(flag, painted) for painted in values)]
    if found < len(values) or stray:
        misses.append(
            {"case": list(case), "painted": [p.__dict__ for p in values], "flagged": flagged}
        )
    return {
        "painted": len(values),
        "found": found,
        "stray_flags": len(stray),
        "flagged": bool(flagged),
    }


def _flags(flag: dict, painted) -> bool:
    x0, y0, x1, y1 = flag["box"]
    return (
        flag["type"] == painted.kind
        and x0 < painted.box[2]
        and painted.box[0] < x1
        and y0 < painted.box[3]
        and painted.box[1] < y1
    )


# Summaries.


def _summary(outcomes: list[dict]) -> dict:
    report = {}
    goals = {"templates": 0.98, "photos": 0.9}
    for kind in ("templates", "photos"):
        report[kind] = _by_part(
            outcomes, kind, lambda rows: _rate(rows, "legible", "targets", "recall")
        )
        report[kind]["goal_recall_at_least"] = goals[kind]
    report["degraded"] = _by_part(
        outcomes, "degraded", lambda rows: _rate(rows, "legible", "targets", "false_legible")
    )
    for how in DEGRADATIONS:
        rows = [o for o in outcomes if o["kind"] == "degraded" and o["label"] == how]
        report["degraded"][how] = _rate(rows, "legible", "targets", "false_legible")
    report["degraded"]["goal_false_legible_at_most"] = 0.02
    report["scenes"] = _by_part(outcomes, "scenes", _scene_rates)
    report["scenes"] |= {"goal_pii_recall_at_least": 0.9, "goal_false_flags_at_most": 0.05}
    report["cpu_s_per_image"] = {
        kind: round(statistics.mean(o["cpu_s"] for o in outcomes if o["kind"] == kind), 3)
        for kind in ("templates", "photos", "degraded", "scenes")
        if any(o["kind"] == kind for o in outcomes)
    }
    return report


def _by_part(outcomes: list[dict], kind: str, rate) -> dict:
    rows = [outcome for outcome in outcomes if outcome["kind"] == kind]
    report = {
        part: rate([row for row in rows if row["part"] == part]) for part in ("dev", "held_out")
    }
    return report | {"all": rate(rows)}


def _rate(rows: list[dict], numerator: str, denominator: str, name: str) -> dict:
    total = sum(row[denominator] for row in rows)
    hits = sum(row[numerator] for row in rows)
    return {
        "images": len(rows),
        denominator: total,
        numerator: hits,
        name: round(hits / total, 4) if total else None,
    }


def _scene_rates(rows: list[dict]) -> dict:
    with_pii = [row for row in rows if row["label"] == "pii"]
    plain = [row for row in rows if row["label"] == "plain"]
    painted = sum(row["painted"] for row in with_pii)
    found = sum(row["found"] for row in with_pii)
    flagged_plain = sum(row["flagged"] for row in plain)
    return {
        "scenes_with_pii": len(with_pii),
        "painted_values": painted,
        "flagged_values": found,
        "pii_recall": round(found / painted, 4) if painted else None,
        "stray_flags_in_pii_scenes": sum(row["stray_flags"] for row in with_pii),
        "plain_scenes": len(plain),
        "plain_scenes_flagged": flagged_plain,
        "false_flags": round(flagged_plain / len(plain), 4) if plain else None,
    }


# Throughput.


def throughput(count: int) -> dict:
    """CPU seconds (this process, one engine thread) of read_check and of the engine's bare
    call on the same images: templates, photos and scenes in turn; runs interleaved."""
    from benchmark.reading import engine, engine_input, load_image, read_check

    if count == 0:
        return {"images": 0}
    images = []
    for index in range(count):
        kind = ("templates", "photos", "scenes")[index % 3]
        case = (kind, 360 + index, "", False, True)  # none of the measured images
        image, wanted, _ = case_image(case)
        images.append((image, [] if kind == "scenes" else wanted))
    ocr = engine()
    timed = {"read_check": [], "bare": []}
    for image, wanted in images:  # warm-up
        read_check(image, wanted)
    for image, wanted in images:
        for name in ("bare", "read_check", "read_check", "bare"):
            started = time.process_time()
            if name == "bare":
                ocr(engine_input(load_image(image)), use_cls=False)
            else:
                read_check(image, wanted)
            timed[name].append(time.process_time() - started)
    bare, read = sum(timed["bare"]), sum(timed["read_check"])
    return {
        "images": count,
        "calls_each": len(timed["bare"]),
        "bare_cpu_s": round(bare, 2),
        "read_check_cpu_s": round(read, 2),
        "bare_images_per_cpu_s": round(len(timed["bare"]) / bare, 3),
        "read_check_images_per_cpu_s": round(len(timed["read_check"]) / read, 3),
        "ratio": round(bare / read, 3),
        "goal_ratio_at_least": 0.9,
    }


# Tesseract, measured only.


def _tesseract_check(image, kind: str, wanted) -> dict:
    from benchmark.reading import check_lines, load_image

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "image.png"
        load_image(image).save(path)
        mode = "11" if kind == "scenes" else "3"
        tsv = subprocess.run(
            ["tesseract", str(path), "stdout", "--psm", mode, "tsv"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    lines = _tesseract_lines(tsv)
    expected = [] if kind == "scenes" else wanted
    return check_lines(lines, expected, find_pii=kind == "scenes", engine_name="tesseract")


def _tesseract_lines(tsv: str) -> list[tuple]:
    grouped: dict[tuple, list] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        left, top, width, height = map(int, cells[6:10])
        key = tuple(cells[1:5])
        grouped.setdefault(key, []).append((cells[11], float(cells[10]), left, top, width, height))
    lines = []
    for words in grouped.values():
        text = " ".join(word[0] for word in words)
        confidence = min(word[1] for word in words) / 100
        box = (
            min(w[2] for w in words),
            min(w[3] for w in words),
            max(w[2] + w[4] for w in words),
            max(w[3] + w[5] for w in words),
        )
        lines.append((text, confidence, box))
    return lines


def _tesseract_summary(outcomes: list[dict], tesseract: str | None) -> dict:
    if not tesseract:
        return {"measured": False}
    version = subprocess.run([tesseract, "--version"], capture_output=True, text=True).stdout
    measured = [o for o in outcomes if "tesseract" in o]
    summary = {"version": version.splitlines()[0] if version else "", "images": len(measured)}
    for kind, numerator, name in (
        ("templates", "legible", "recall"),
        ("photos", "legible", "recall"),
        ("degraded", "legible", "false_legible"),
    ):
        pairs = [o for o in measured if o["kind"] == kind]
        summary[kind] = {
            "tesseract": _rate([o["tesseract"] for o in pairs], numerator, "targets", name),
            "rapidocr_same_images": _rate(pairs, numerator, "targets", name),
        }
    scenes = [o for o in measured if o["kind"] == "scenes"]
    summary["scenes"] = {
        "tesseract": _scene_rates([o["tesseract"] | {"label": o["label"]} for o in scenes]),
        "rapidocr_same_images": _scene_rates(scenes),
    }
    summary["wall_s_per_image"] = {
        "tesseract": round(statistics.mean(o["tesseract"]["wall_s"] for o in measured), 3)
        if measured
        else None,
        "rapidocr_cpu_s": round(statistics.mean(o["cpu_s"] for o in measured), 3)
        if measured
        else None,
    }
    return summary


if __name__ == "__main__":
    main()
