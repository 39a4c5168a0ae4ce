"""Forms per second per core: benchmark.forms vs a bare-Pillow floor, measured in one run.

The floor draws the very same form with plain Pillow calls and nothing else: a new
image, every static rectangle, line and label of the layout, every value at the
coordinates our renderer chose, with the same fonts (loaded before timing), then
the same PNG encoding. Our renderer adds the fitting of values, the ground-truth
boxes and the identity checks, and saves work by copying a cached empty form.
Runs alternate between the two so machine load hits both alike; the median of each
is compared. Then the same mix of forms is rendered by 2 processes.
The last line printed is one JSON object:

    {"hiring": {"ours_per_s", "floor_per_s", "ratio"}, ..., "open": {...},
     "processes_2": {"ours_per_s", "floor_per_s", "ratio", "ours_speedup"}}

    .venv/bin/python perf/render.py [--forms 16] [--repeats 4] [--pool-forms 120]
"""

import sys
from pathlib import Path

# Run as a script, Python puts perf/ first on the path, where a perf script named like a
# standard module (perf/queue.py) would shadow it; the repository root goes there instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

from PIL import Image, ImageDraw  # noqa: E402

from benchmark.forms import plan_form, render_form  # noqa: E402
from benchmark.forms.render import PNG_COMPRESS_LEVEL  # noqa: E402
from benchmark.forms.sheet import Line, Rect, Text, load_font  # noqa: E402
from benchmark.identities import make_pools  # noqa: E402
from benchmark.vocab import SCENARIOS, TARGET_TYPES, carries_target_type  # noqa: E402


def form_specs(people: list[dict], scenario: str) -> list[tuple]:
    """(identity, scenario, variant, target type): variants and target types in turn."""
    specs = []
    for index, person in enumerate(people):
        target = TARGET_TYPES[index % len(TARGET_TYPES)] if carries_target_type(scenario) else None
        specs.append((person, scenario, index % 2, target))
    return specs


def ours(spec) -> bytes:
    person, scenario, variant, target = spec
    return render_form(person, scenario, variant, target_type=target).to_png()


def floor_job(spec) -> tuple:
    """What the floor draws for one form, with its fonts loaded: prepared before timing."""
    person, scenario, variant, target = spec
    plan = plan_form(person, scenario, variant, target_type=target)
    ops = []
    for op in plan.layout.ops + plan.value_ops:
        if isinstance(op, Text):
            ops.append(("text", op.xy, op.text, op.fill, load_font(op.font, op.size)))
        elif isinstance(op, Rect):
            ops.append(("rect", op.box, op.fill, op.outline, op.width))
        elif isinstance(op, Line):
            ops.append(("line", op.xy, op.fill, op.width))
    return plan.layout.size, plan.layout.paper, ops


def floor(job) -> bytes:
    size, paper, ops = job
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    for op in ops:
        if op[0] == "text":
            draw.text(op[1], op[2], fill=op[3], font=op[4], anchor="la")
        elif op[0] == "rect":
            draw.rectangle(op[1], fill=op[2], outline=op[3], width=op[4])
        else:
            draw.line(op[1], fill=op[2], width=op[3])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def median_seconds(batches: dict, repeats: int) -> dict[str, float]:
    """Median wall time of each batch (a function over a list), interleaved, after a warm-up."""
    times = {name: [] for name in batches}
    for function, items in batches.values():
        [function(item) for item in items]
    for _ in range(repeats):
        for name, (function, items) in batches.items():
            start = time.perf_counter()
            [function(item) for item in items]
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def per_scenario(people: list[dict], repeats: int) -> dict[str, dict]:
    figures = {}
    for scenario in SCENARIOS:
        specs = form_specs(people, scenario)
        jobs = [floor_job(spec) for spec in specs]
        seconds = median_seconds({"ours": (ours, specs), "floor": (floor, jobs)}, repeats)
        figures[scenario] = _figure(len(specs) / seconds["ours"], len(specs) / seconds["floor"])
        print(scenario, json.dumps(figures[scenario]), file=sys.stderr, flush=True)
    return figures


def with_processes(people: list[dict], processes: int, count: int) -> dict[str, float]:
    """Forms per second of the same mix rendered by `processes` processes."""
    mix = [spec for scenario in SCENARIOS for spec in form_specs(people, scenario)]
    specs = (mix * (count // len(mix) + 1))[:count]
    jobs = [floor_job(spec) for spec in specs]
    chunk = max(1, count // (processes * 8))
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(ours, mix, chunksize=1))  # warm every worker's caches
        list(pool.map(floor, jobs[: processes * 2], chunksize=1))
        rates = {}
        for name, function, items in (("ours", ours, specs), ("floor", floor, jobs)):
            start = time.perf_counter()
            list(pool.map(function, items, chunksize=chunk))
            rates[name] = count / (time.perf_counter() - start)
    return rates


def _figure(ours_per_s: float, floor_per_s: float) -> dict[str, float]:
    return {
        "ours_per_s": round(ours_per_s, 1),
        "floor_per_s": round(floor_per_s, 1),
        "ratio": round(ours_per_s / floor_per_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=16, help="forms per scenario and repeat")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--pool-forms", type=int, default=120, help="forms for the 2-process run")
    args = parser.parse_args()
    people = make_pools(0, args.forms, seed=1).probe
    figures = per_scenario(people, args.repeats)
    single = statistics.fmean(1 / figures[s]["ours_per_s"] for s in SCENARIOS)
    rates = with_processes(people, 2, args.pool_forms)
    figures["processes_2"] = _figure(rates["ours"], rates["floor"])
    figures["processes_2"]["ours_speedup"] = round(rates["ours"] * single, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
