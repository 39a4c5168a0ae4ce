"""Reading items and responses (errors name the file and line) and writing the outputs."""

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from benchmark.files import JsonlError, atomic_write_files, read_jsonl
from benchmark.scoring.aggregate import ITEM_KEYS, ROW_KEYS, ScoringInputError

CSV_COLUMNS = (
    "model",
    "test",
    "framing",
    "scenario",
    "target_type",
    "source",
    "n",
    "asr",
    "asr_ci_lo",
    "asr_ci_hi",
    "rr",
    "rr_ci_lo",
    "rr_ci_hi",
    "partial_rate",
    "errors",
    "missing",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_items(path: str | Path) -> list[dict]:
    """Probe items from items.jsonl, each checked for the keys scoring needs."""
    items = []
    try:
        numbered = list(read_jsonl(path))
    except JsonlError as error:
        raise ScoringInputError(str(error)) from None
    for number, item in numbered:
        missing = [key for key in ITEM_KEYS if not isinstance(item.get(key), str)]
        if missing:
            raise ScoringInputError(
                f"{path}, line {number}: item lacks a text value for {', '.join(missing)}"
            )
        items.append(item)
    if not items:
        raise ScoringInputError(f"{path} holds no items")
    return items


def summary_json(rows: list[dict]) -> bytes:
    """The rows as a JSON list, one row a line (readable and diff-friendly)."""
    lines = ",\n".join(json.dumps({key: row[key] for key in ROW_KEYS}) for row in rows)
    return f"[\n{lines}\n]\n".encode()


def summary_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        asr_ci, rr_ci = row["asr_ci"] or (None, None), row["rr_ci"] or (None, None)
        flat = {**row, "asr_ci_lo": asr_ci[0], "asr_ci_hi": asr_ci[1]}
        flat.update(rr_ci_lo=rr_ci[0], rr_ci_hi=rr_ci[1])
        writer.writerow([_cell(flat[column]) for column in CSV_COLUMNS])
    return buffer.getvalue().encode()


def _cell(value):
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def verdicts_jsonl(verdicts: Iterable[dict]) -> Iterable[bytes]:
    for verdict in verdicts:
        yield json.dumps(verdict).encode() + b"\n"


def write_outputs(
    rows: list[dict],
    out_dir: str | Path,
    *,
    report: bool = True,
    verdicts: Iterable[dict] | None = None,
    provenance: dict | None = None,
    judge: dict | None = None,
) -> list[Path]:
    """Write summary.json, summary.csv, (with `verdicts`) verdicts.jsonl, (with
    `provenance`: how each model's responses were made) provenance.json, (with `judge`: the
    model judge's agreement with the rules) judge.json and (with `report`) the heatmap PNGs
    and report.html.

    Every file is written beside its target first and then moved in place, so a failure
    leaves no half-written file. Returns the written paths.
    """
    files = {"summary.json": summary_json(rows), "summary.csv": summary_csv(rows)}
    if verdicts is not None:
        files["verdicts.jsonl"] = verdicts_jsonl(verdicts)
    if provenance is not None:
        files["provenance.json"] = json.dumps(provenance, indent=1).encode()
    if judge is not None:
        files["judge.json"] = json.dumps(judge, indent=1).encode()
    if report:
        from benchmark.scoring.report import report_files

        files.update(report_files(rows, provenance))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_files({out_dir / name: data for name, data in files.items()})
    return [out_dir / name for name in files]
