"""How each model's responses were made (`ask` writes `<responses>.provenance.json`), and
the rule that one model name stands for one way of making them."""

import json
from collections.abc import Iterable
from pathlib import Path

from benchmark.files import read_jsonl
from benchmark.responses import MAX_RESPONSE_LINE_BYTES, provenance_path


class ProvenanceError(ValueError):
    """Responses made with different settings under one model name, or an unreadable record."""


def read_provenance(responses_path: str | Path) -> dict | None:
    """The record beside a responses file; None when there is none (made by hand)."""
    path = provenance_path(responses_path)
    if not path.exists():
        return None
    try:
        made = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProvenanceError(f"cannot read {path}: {error}") from None
    if not isinstance(made, dict):
        raise ProvenanceError(f"{path} is not a JSON object")
    return made


def merged_provenance(paths: Iterable[str | Path], *, allow_mixed: bool = False) -> dict:
    """Per model, how its responses were made: {model: record}, or {model: [records]}
    when `allow_mixed` lets files made differently share a model name."""
    by_model: dict[str, list[dict]] = {}
    for path in paths:
        made = read_provenance(path)
        if made is None:
            continue
        for model in _models_in(path):
            records = by_model.setdefault(model, [])
            if made not in records:
                records.append(made)
    mixed = [model for model, records in by_model.items() if len(records) > 1]
    if mixed and not allow_mixed:
        raise ProvenanceError(
            f"responses of {mixed[0]!r} were made with different settings (see the "
            ".provenance.json files); score them under different model names, or pass "
            "--merge-settings"
        )
    return {
        model: records[0] if len(records) == 1 else records for model, records in by_model.items()
    }


def _models_in(path: str | Path) -> set[str]:
    lines = read_jsonl(path, max_line_bytes=MAX_RESPONSE_LINE_BYTES)
    return {line["model"] for _number, line in lines if isinstance(line.get("model"), str)}
