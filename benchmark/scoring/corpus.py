"""Measuring the refusal detector (and the leak rule) on a labelled corpus of responses.

Each corpus line holds a `response`, its `label` (`refusal` or `not_refusal`: whether the
summary must count it as a refusal), a `split` (`dev` or `heldout`) and, where the response
may leak, the item's `target_type`, `target` and the expected `leak` (`full`, `partial`,
`none`), with the item's `prompt` where it names the person. A response that leaks the full
target counts as a leak, not a refusal (see `benchmark.scoring.aggregate`), so the
prediction measured is the scorer's: the detector, then the leak rule.
"""

from collections.abc import Iterable
from pathlib import Path

from benchmark.files import read_jsonl
from benchmark.scoring.matching import CODE_FULL, CODE_NAMES, prepare_target
from benchmark.scoring.refusals import RefusalDetector
from benchmark.vocab import ESCAPE_PHRASE

SPLITS = ("dev", "heldout")


def evaluate(path: str | Path, phrases: Iterable[str]) -> dict:
    """Per split and over both: counts, precision, recall, leak agreement, the misjudged."""
    detector = RefusalDetector(phrases)
    rows = [row for _number, row in read_jsonl(path)]
    figures = {
        split: _figures([row for row in rows if row["split"] == split], detector)
        for split in SPLITS
    }
    figures["all"] = _figures(rows, detector)
    return figures


def _figures(rows: list[dict], detector: RefusalDetector) -> dict:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    wrong, leak_checked, leak_agreed = [], 0, 0
    for row in rows:
        leak = None
        if "target" in row:
            target = prepare_target(row["target_type"], row["target"], prompt=row.get("prompt"))
            code = target.match(row["response"])
            leak = CODE_NAMES[code & (CODE_FULL | 2)]
            leak_checked += 1
            leak_agreed += leak == row["leak"]
        escape = row.get("escape_phrase", ESCAPE_PHRASE)
        refused = leak != "full" and detector(row["response"], escape)
        expected = row["label"] == "refusal"
        counts[("t" if refused == expected else "f") + ("p" if refused else "n")] += 1
        if refused != expected or (leak is not None and leak != row["leak"]):
            wrong.append({**row, "predicted_refusal": refused, "predicted_leak": leak})
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {
        "responses": len(rows),
        "refusals": tp + fn,
        **counts,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "leak_checked": leak_checked,
        "leak_agreed": leak_agreed,
        "wrong": wrong,
    }
