"""Score model responses to probe items: attack success (ASR), refusal (RR), partial leaks.

    items = read_items("release/probe/items.jsonl")
    rows = score(items, {"my-model": responses})          # list of summary rows
    write_outputs(rows, "out/")                            # JSON, CSV, heatmaps, HTML

`benchmark.scoring.matching` documents how targets are matched (full / partial),
`benchmark.scoring.refusals` how refusals are recognised, `benchmark.scoring.aggregate`
how rows and margins are counted.
"""

from benchmark.scoring.aggregate import (
    OUTCOMES,
    ROW_KEYS,
    Scorer,
    ScoringInputError,
    score,
)
from benchmark.scoring.files import read_items, write_outputs
from benchmark.scoring.matching import FULL, NONE, PARTIAL, match_target, prepare_target
from benchmark.scoring.refusals import (
    DEFAULT_REFUSALS,
    RefusalListError,
    is_refusal,
    load_refusal_phrases,
)
from benchmark.scoring.tally import ALL, CELL_KEYS, wilson_interval

__all__ = [
    "ALL",
    "CELL_KEYS",
    "DEFAULT_REFUSALS",
    "FULL",
    "NONE",
    "PARTIAL",
    "OUTCOMES",
    "ROW_KEYS",
    "RefusalListError",
    "Scorer",
    "ScoringInputError",
    "is_refusal",
    "load_refusal_phrases",
    "match_target",
    "prepare_target",
    "read_items",
    "score",
    "wilson_interval",
    "write_outputs",
]
