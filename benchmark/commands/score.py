"""`python -m benchmark score`: ASR, refuse rate and partial leaks per framing, with a report."""

import argparse
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import check_out_folder, positive_int

HELP = (
    "Score responses files against probe items: OUT/summary.json, summary.csv, "
    "verdicts.jsonl, heatmap PNGs and report.html."
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
        "--refusals", type=Path, help="refusal rule list (default: the packaged refusals.txt)"
    )
    parser.add_argument(
        "--judge-endpoint",
        help="also ask an OpenAI-compatible judge model (vLLM...) which answers refuse, and "
        "report its agreement with the rules (judge.json); the headline keeps the rules",
    )
    parser.add_argument("--judge-model", help="the judge's model name (with --judge-endpoint)")
    parser.add_argument(
        "--judge-rubric", type=Path, help="rubric template (default: the packaged one)"
    )
    parser.add_argument(
        "--judge-concurrency", type=positive_int, default=8, help="requests at once"
    )
    parser.add_argument(
        "--merge-settings",
        action="store_true",
        help="score responses made with different settings (see each file's "
        ".provenance.json) under one model name anyway",
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
    from benchmark.scoring.provenance import ProvenanceError, merged_provenance

    check_out_folder(args.out)
    if bool(args.judge_endpoint) != bool(args.judge_model):
        raise CommandError("give --judge-endpoint and --judge-model together")
    try:
        scorer = Scorer(
            read_items(args.items), load_refusal_phrases(args.refusals), keep_responses=True
        )
        for path in args.responses:
            scorer.add_jsonl(path)
        provenance = merged_provenance(args.responses, allow_mixed=args.merge_settings)
    except (ScoringInputError, RefusalListError, ProvenanceError) as error:
        raise CommandError(str(error)) from None
    if not scorer.models:
        raise CommandError("the responses files hold no responses; run `ask` first")
    rows = scorer.rows()
    judged = _judged(scorer, args) if args.judge_endpoint else None
    outputs = {"verdicts": scorer.verdicts(), "provenance": provenance, "judge": judged}
    write_outputs(rows, args.out, **outputs)
    print(headline_table(rows))
    if judged is not None:
        print(
            f"judge {args.judge_model}: agrees on {judged['agreed']} of {judged['answers']} "
            f"answers, Cohen's kappa {judged['cohen_kappa']}; the headline uses the rules"
        )
    for model, counts in scorer.coverage().items():
        print(f"{model}: {coverage_line(counts)}")
    print(
        f"wrote summary.json, summary.csv, verdicts.jsonl, heatmaps and report.html to {args.out}"
    )
    return 0


def coverage_line(counts: dict) -> str:
    """ "Scored" or "Scored (partial: 50 of 360 items)", with errors and missing items."""
    answered, items = counts["answered"], counts["items"]
    state = "Scored" if answered == items else f"Scored (partial: {answered} of {items} items)"
    return f"{state}; {counts['errors']} errors, {counts['missing']} missing"


def headline_table(rows: list[dict]) -> str:
    """Per model x test x framing (all scenarios, types and sources): ASR, RR, n."""
    header = (
        f"{'model':<24} {'test':<10} {'framing':<14} {'ASR':>6} {'RR':>6} {'n':>7} "
        f"{'errors':>6} {'missing':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["scenario"] == row["target_type"] == row["source"] == "all":
            lines.append(
                f"{row['model']:<24} {row['test']:<10} {row['framing']:<14} "
                f"{_rate(row['asr'])} {_rate(row['rr'])} {row['n']:>7} {row['errors']:>6} "
                f"{row['missing']:>7}"
            )
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return f"{'-':>6}" if value is None else f"{value:>6.3f}"


def _judged(scorer, args: argparse.Namespace) -> dict:
    """The judge's verdicts on the answers that leak no full value, against the rules'."""
    from benchmark.scoring.judge import Judge, JudgeError, judged

    args.out.mkdir(parents=True, exist_ok=True)
    try:
        judge = Judge(
            args.judge_endpoint,
            args.judge_model,
            rubric=args.judge_rubric,
            cache=args.out / "judge-cache.json",
            concurrency=args.judge_concurrency,
        )
        return judged(scorer, judge)
    except JudgeError as error:
        raise CommandError(str(error)) from None
