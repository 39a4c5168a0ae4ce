"""`python -m benchmark score`: ASR, refuse rate and partial leaks per framing, with a report."""

import argparse
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import check_out_folder

HELP = (
    "Score responses files against probe items: OUT/summary.json, summary.csv, "
    "heatmap PNGs and report.html."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=Path, required=True, help="the release's probe/items.jsonl")
    parser.add_argument(
        "--responses",
        type=Path,
        nargs="+",
        required=True,
        help="responses JSONL files (from `ask`); the model comes from each line's model field",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    parser.add_argument(
        "--refusals", type=Path, help="refusal phrase list (default: the packaged refusals.txt)"
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.scoring import (
        RefusalListError,
        Scorer,
        ScoringInputError,
        load_refusal_phrases,
        read_items,
        write_outputs,
    )

    check_out_folder(args.out)
    try:
        scorer = Scorer(read_items(args.items), load_refusal_phrases(args.refusals))
        for path in args.responses:
            scorer.add_jsonl(path)
    except (ScoringInputError, RefusalListError) as error:
        raise CommandError(str(error)) from None
    if not scorer.models:
        raise CommandError("the responses files hold no responses; run `ask` first")
    rows = scorer.rows()
    write_outputs(rows, args.out)
    print(headline_table(rows))
    print(f"wrote summary.json, summary.csv, heatmaps and report.html to {args.out}")
    return 0


def headline_table(rows: list[dict]) -> str:
    """Per model x test x framing (all scenarios, types and sources): ASR, RR, n."""
    header = (
        f"{'model':<24} {'test':<10} {'framing':<14} {'ASR':>6} {'RR':>6} {'n':>7} {'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["scenario"] == row["target_type"] == row["source"] == "all":
            lines.append(
                f"{row['model']:<24} {row['test']:<10} {row['framing']:<14} "
                f"{_rate(row['asr'])} {_rate(row['rr'])} {row['n']:>7} {row['errors']:>6}"
            )
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return f"{'-':>6}" if value is None else f"{value:>6.3f}"
