"""`python -m benchmark identities`: write seeded, disjoint identity pools as JSONL."""

import argparse
import json
import os
import tempfile
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.vocab import POOLS

HELP = (
    "Write seeded memorisation and probe identity pools: OUT/memorisation.jsonl, OUT/probe.jsonl."
)

PHONE_ALIASES = {
    "dash": "ddd-ddd-dddd",
    "paren": "(ddd) ddd-dddd",
    "dot": "ddd.ddd.dddd",
    "ext": "ddd-ddd-dddd xNNN",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memorisation", type=_count, required=True, help="memorisation pool size")
    parser.add_argument("--probe", type=_count, required=True, help="probe pool size")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for the two JSONL files")
    parser.add_argument(
        "--phone-mix",
        type=_mix,
        help="phone styles and weights, e.g. dash=7,paren=1,dot=1,ext=1 "
        "(dash ddd-ddd-dddd, paren (ddd) ddd-dddd, dot ddd.ddd.dddd, ext ddd-ddd-dddd xNNN)",
    )
    parser.add_argument(
        "--email-mix",
        type=_mix,
        help="email styles and weights, e.g. example=1,provider=1 "
        "(example: user@example.com; provider: name and digits at a common provider)",
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.identities import PoolConfig, make_pools

    overrides = {}
    if args.phone_mix is not None:
        overrides["phone_mix"] = {PHONE_ALIASES.get(k, k): w for k, w in args.phone_mix.items()}
    if args.email_mix is not None:
        overrides["email_mix"] = args.email_mix
    try:
        pools = make_pools(args.memorisation, args.probe, args.seed, PoolConfig(**overrides))
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.out.exists() and not args.out.is_dir():
        raise CommandError(f"--out {args.out} is a file; give a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in POOLS:
        write_jsonl_atomically(args.out / f"{name}.jsonl", getattr(pools, name))
    print(
        f"wrote {len(pools.memorisation)} memorisation and {len(pools.probe)} probe "
        f"identities to {args.out}"
    )
    return 0


def write_jsonl_atomically(path: Path, rows) -> None:
    """One JSON object a line (sorted keys), written to a temporary file then renamed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            for row in rows:
                file.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


def _mix(text: str) -> dict[str, float]:
    """ "a=1,b=2.5" -> {"a": 1.0, "b": 2.5}; the names are checked by PoolConfig."""
    mix = {}
    for part in text.split(","):
        name, equals, weight = part.partition("=")
        try:
            mix[name.strip()] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not STYLE=WEIGHT (e.g. dash=7,dot=1)"
            ) from None
        if not equals:
            raise argparse.ArgumentTypeError(f"{part!r} is not STYLE=WEIGHT (e.g. dash=7,dot=1)")
    return mix
