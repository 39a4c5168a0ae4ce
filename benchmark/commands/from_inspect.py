"""`python -m benchmark from-inspect`: an inspect_ai log of `mmprivacy` as a responses file."""

import argparse
import json
from pathlib import Path

from benchmark.cli import CommandError

HELP = (
    "Turn an inspect_ai log of the mmprivacy task into a responses JSONL for `score` "
    "(replaced whole), with OUT's provenance JSON beside it."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", type=Path, help="the inspect log (.eval or .json)")
    parser.add_argument("--out", type=Path, required=True, help="responses JSONL to write")
    parser.add_argument(
        "--model", help="model name for the responses (default: the log's, e.g. openai-api/x/y)"
    )


def provenance_path(out: Path) -> Path:
    """responses.jsonl -> responses.provenance.json, beside it."""
    return out.with_name(f"{out.stem}.provenance.json")


def run(args: argparse.Namespace) -> int:
    try:
        from benchmark.integrations.inspect_log import InspectLogError, responses_from_log
    except ImportError:
        raise CommandError(
            "inspect_ai is not installed; pip install 'mmprivacy[inspect]'"
        ) from None
    from benchmark.files import atomic_write_files, json_line

    if args.out.is_dir():
        raise CommandError(f"--out {args.out} is a folder; give the responses file to write")
    try:
        lines, provenance = responses_from_log(args.log, args.model)
    except InspectLogError as error:
        raise CommandError(str(error)) from None
    sidecar = provenance_path(args.out)
    provenance_json = json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n"
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_files(
            {args.out: [json_line(line) for line in lines], sidecar: provenance_json.encode()}
        )
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    errors = sum(line["error"] is not None for line in lines)
    print(f"{len(lines)} responses ({errors} errors) to {args.out}; provenance in {sidecar}")
    return 0
