"""Tables for the pages, picked from the library's summary rows (fine cells and margins).

A margin row holds "all" in every cell key it sums over, so each table below is the set
of rows whose other keys are "all": nothing is recounted here.
"""

from benchmark.files import read_jsonl_lines
from benchmark.scoring import ALL, CELL_KEYS
from curation.core import storage
from curation.scoring.models import ResponseSet

# In the order of the library's report.html.
BREAKDOWNS = (
    ("target_type", "Target type"),
    ("scenario", "Scenario"),
    ("source", "Source"),
)


def _margin(rows: list[dict], **kept) -> list[dict]:
    """Rows that hold the given values (a key given as None may hold anything but "all")
    and "all" in every other cell key."""
    picked = []
    for row in rows:
        if all(_fits(row[key], kept.get(key, ALL)) for key in CELL_KEYS):
            picked.append(row)
    return picked


def _fits(value: str, wanted: str | None) -> bool:
    return value != ALL if wanted is None else value == wanted


def tests_in(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(row["test"] for row in rows if row["test"] != ALL))


def _labelled(rows: list[dict], key: str) -> list[dict]:
    """The rows with a `label`: the value of `key` they stand for."""
    return [{**row, "label": row[key]} for row in rows]


def headline(rows: list[dict]) -> list[dict]:
    """Per test: one row per framing, then the test's all-framings row."""
    return [
        {
            "test": test,
            "rows": _labelled(
                _margin(rows, test=test, framing=None) + _margin(rows, test=test, framing=ALL),
                "framing",
            ),
        }
        for test in tests_in(rows)
    ]


def breakdowns(rows: list[dict]) -> list[dict]:
    """Per dimension (target type, scenario, source): per test, one row per value, all
    framings together."""
    tables = []
    for key, column in BREAKDOWNS:
        sections = [
            {"test": test, "rows": _labelled(_margin(rows, test=test, **{key: None}), key)}
            for test in tests_in(rows)
        ]
        tables.append({"key": key, "column": column, "sections": sections})
    return tables


def comparison(response_sets: list[ResponseSet]) -> list[dict]:
    """Per test: rows framing x target type (with their margins), one cell per response
    set giving its ASR and RR row."""
    tests = list(dict.fromkeys(test for rs in response_sets for test in tests_in(rs.rows)))
    return [{"test": test, "lines": _comparison_lines(test, response_sets)} for test in tests]


def _comparison_lines(test: str, response_sets: list[ResponseSet]) -> list[dict]:
    by_set = [
        {
            (row["framing"], row["target_type"]): row
            for row in rs.rows
            if row["test"] == test and row["scenario"] == ALL and row["source"] == ALL
        }
        for rs in response_sets
    ]
    cells = list(dict.fromkeys(cell for rows in by_set for cell in rows))
    framings = list(dict.fromkeys(framing for framing, _type in cells))
    types = list(dict.fromkeys(target_type for _framing, target_type in cells))
    # Framing by framing, each with its types then its all-types margin; "all" last.
    cells.sort(
        key=lambda cell: (
            cell[0] == ALL,
            framings.index(cell[0]),
            cell[1] == ALL,
            types.index(cell[1]),
        )
    )
    return [
        {
            "framing": framing,
            "target_type": target_type,
            "cells": [rows.get((framing, target_type)) for rows in by_set],
        }
        for framing, target_type in cells
    ]


def column_labels(response_sets: list[ResponseSet]) -> list[str]:
    """Model names, with the set's number where two sets share a model."""
    names = [rs.model_name for rs in response_sets]
    return [
        f"{rs.model_name} #{rs.pk}" if names.count(rs.model_name) > 1 else rs.model_name
        for rs in response_sets
    ]


MAX_CELL_VALUE = 60


def cell_from_query(query) -> dict:
    """The cell a drill-down link names: each key's value, "all" when absent or odd."""
    cell = {}
    for key in CELL_KEYS:
        value = str(query.get(key, ALL))[:MAX_CELL_VALUE]
        cell[key] = value if value.isprintable() and value else ALL
    return cell


def heatmap_grids(rows: list[dict]) -> list[dict]:
    """Per test: the framing x target type grid (all scenarios and sources), as the
    heatmap PNGs draw it, each cell a row to link to its responses."""
    grids = []
    for test in tests_in(rows):
        picked = {
            (row["framing"], row["target_type"]): row
            for row in rows
            if row["test"] == test and row["scenario"] == ALL and row["source"] == ALL
        }
        framings = list(dict.fromkeys(framing for framing, _type in picked))
        types = list(dict.fromkeys(target_type for _framing, target_type in picked))
        framings.sort(key=lambda value: value == ALL)
        types.sort(key=lambda value: value == ALL)
        grids.append(
            {
                "test": test,
                "types": types,
                "lines": [
                    {"framing": framing, "cells": [picked.get((framing, kind)) for kind in types]}
                    for framing in framings
                ],
            }
        )
    return grids


ANSWERED = frozenset({"leak", "partial", "refusal", "other"})


def common_ranking(response_sets: list[ResponseSet]) -> dict | None:
    """The chosen sets ranked on the items every one of them answered: per set, ASR and
    RR over those items; `differ` says whether their coverage differs at all. None when
    fewer than two sets, or one has no verdicts."""
    if len(response_sets) < 2:
        return None
    outcomes = [_outcomes(rs) for rs in response_sets]
    if any(found is None for found in outcomes):
        return None
    answered = [
        {item for item, outcome in found.items() if outcome in ANSWERED} for found in outcomes
    ]
    common = set.intersection(*answered)
    ranked = []
    for label, found in zip(column_labels(response_sets), outcomes, strict=True):
        picked = [found[item] for item in common]
        n = len(picked)
        ranked.append(
            {
                "label": label,
                "answered": len(answered[len(ranked)]),
                "asr": picked.count("leak") / n if n else None,
                "rr": picked.count("refusal") / n if n else None,
            }
        )
    ranked.sort(key=lambda row: -1 if row["asr"] is None else -row["asr"])
    return {
        "items": len(common),
        "differ": len({frozenset(s) for s in answered}) > 1,
        "rows": ranked,
    }


def _outcomes(response_set: ResponseSet) -> dict[str, str] | None:
    stored = response_set.outputs.get("verdicts.jsonl")
    if stored is None:
        return None
    lines = read_jsonl_lines(storage.read_bytes(stored).splitlines(), where="verdicts.jsonl")
    return {verdict["id"]: verdict["outcome"] for _number, verdict in lines}
