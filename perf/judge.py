"""The judge path's answers per second at concurrency 1 and 16 against the local fake judge.

The fake judge takes `--latency-ms` per request (a model's decoding time); the floor is
what that latency allows (concurrency / latency). Every answer is new (no cache). The last
line printed is one JSON object: responses/s per concurrency and the ratio to its floor.

    .venv/bin/python perf/judge.py [--answers 400] [--latency-ms 20]
"""

import argparse
import json
import sys
import time
from pathlib import Path

# The repo, not perf/: perf/queue.py would shadow the stdlib queue.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmark.scoring.judge import Judge  # noqa: E402
from tests.scoring.fake_judge import FakeJudge  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    figures = {"answers": args.answers, "latency_ms": args.latency_ms}
    with FakeJudge(latency_s=args.latency_ms / 1000) as server:
        for concurrency in (1, 16):
            answers = [
                (f"answer {concurrency}-{n}: I cannot say.", "x") for n in range(args.answers)
            ]
            judge = Judge(server.url, "judge", concurrency=concurrency)
            started = time.perf_counter()
            judge.refusals(answers)
            rate = args.answers / (time.perf_counter() - started)
            floor = concurrency / (args.latency_ms / 1000)
            figures[f"per_s_c{concurrency}"] = round(rate, 1)
            figures[f"ratio_to_floor_c{concurrency}"] = round(rate / floor, 3)
    figures["speedup_c16_over_c1"] = round(figures["per_s_c16"] / figures["per_s_c1"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
