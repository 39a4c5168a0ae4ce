"""Precision and recall of the refusal detector on the labelled corpus, dev and held-out.

The corpus (`tests/scoring/corpus/refusals.jsonl`, see its README) labels each response
`refusal` or `not_refusal` as the summary must count it: a response that leaks the full
target counts as a leak, not a refusal, so the prediction here is the scorer's (detector,
then the leak rule). The `heldout` split was not looked at while the rules were tuned.
The last line printed is one JSON object.

    .venv/bin/python perf/refusal_corpus.py [--refusals LIST] [--errors dev]
"""

import argparse
import json
import sys
from pathlib import Path

# The repo, not perf/: perf/queue.py would shadow the stdlib queue.
REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)

from benchmark.scoring.corpus import evaluate  # noqa: E402
from benchmark.scoring.refusals import load_refusal_phrases  # noqa: E402

CORPUS = REPO / "tests" / "scoring" / "corpus" / "refusals.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--refusals", type=Path, help="refusal list (default: the packaged one)")
    parser.add_argument("--errors", help="print the misjudged responses of this split")
    args = parser.parse_args()
    figures = evaluate(args.corpus, load_refusal_phrases(args.refusals))
    if args.errors:
        for wrong in figures[args.errors].pop("wrong"):
            print(json.dumps(wrong, ensure_ascii=False), file=sys.stderr)
    for split in figures.values():
        split.pop("wrong", None)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
