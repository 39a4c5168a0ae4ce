"""Reading items and responses (errors name the file and line) and writing the outputs."""

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
)


def read_jsonl(path: str | Path) -> list[dict]:
    """Every non-blank line of a JSONL file as an object; ScoringInputError on a bad line."""
    return [row for _number, row in iter_jsonl(path)]


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; ScoringInputError on a bad line."""
    try:
        with open(path, "rb") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield number, _object_on_line(path, number, line)
    except OSError as error:
        raise ScoringInputError(f"cannot read {path}: {error.strerror or error}") from None


def _object_on_line(path, number: int, line: bytes) -> dict:
    try:
        row = json.loads(line)
    except ValueError as error:
        raise ScoringInputError(f"{path}, line {number}: not JSON ({error})") from None
    if not isinstance(row, dict):
        raise ScoringInputError(f"{path}, line {number}: not a JSON object")
    return row


def read_items(path: str | Path) -> list[dict]:
    """Probe items from items.jsonl, each checked for the keys scoring needs."""
    items = []
    for number, item in iter_jsonl(path):
        missing = [key for key in ITEM_KEYS if not isinstance(item.get(key), str)]
        if missing:
            raise ScoringInputError(
                f"{path}, line {number}: item lacks a text value for {', '.join(missing)}"
            )
        items.append(item)
    if not items:
        raise ScoringInputError(f"{path} holds no items")
    return items


def read_responses(path: str | Path) -> list[dict]:
    """Response lines (`id`, `model`, `response`, `latency_s`, `error`) of one file."""
    return read_jsonl(path)


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
        writer.writerow(["" if flat[column] is None else flat[column] for column in CSV_COLUMNS])
    return buffer.getvalue().encode()


def write_outputs(rows: list[dict], out_dir: str | Path, *, report: bool = True) -> list[Path]:
    """Write summary.json, summary.csv and (with `report`) the heatmap PNGs and report.html.

    Every file is written in a staging folder first and then moved in place, so a failure
    leaves no half-written file. Returns the written paths.
    """
    files = {"summary.json": summary_json(rows), "summary.csv": summary_csv(rows)}
    if report:
        from benchmark.scoring.report import report_files

        files.update(report_files(rows))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        for name in files:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in files]
