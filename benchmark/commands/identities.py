"""`python -m benchmark identities`: write seeded, disjoint identity pools as JSONL."""

import argparse
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import check_out_folder, non_negative_int
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
    parser.add_argument(
        "--memorisation", type=non_negative_int, required=True, help="memorisation pool size"
    )
    parser.add_argument("--probe", type=non_negative_int, required=True, help="probe pool size")
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
    check_out_folder(args.out)
    _write_pools(args.out, pools)
    print(
        f"wrote {len(pools.memorisation)} memorisation and {len(pools.probe)} probe "
        f"identities to {args.out}"
    )
    return 0


def _write_pools(out: Path, pools) -> None:
    """Both files or neither: each is written beside its target, then both are renamed."""
    from benchmark.files import atomic_write_files, json_line

    files = {out / f"{name}.jsonl": map(json_line, getattr(pools, name)) for name in POOLS}
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_files(files)
    except OSError as error:
        raise CommandError(f"cannot write {error.filename}: {error.strerror}") from None


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
