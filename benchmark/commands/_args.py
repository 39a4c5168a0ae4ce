"""Argument checks shared by the commands: each refuses a bad value with one clear line.

The types run while parsing: argparse turns an `ArgumentTypeError` into "argument --x:
<message>" and exit status 2. Checks of what is on disk run in the command itself, where a
`CommandError` becomes one line and exit status 2.
"""

import argparse
import math
from pathlib import Path

from benchmark.cli import CommandError


def positive_int(text: str) -> int:
    """A whole number of 1 or more (a count of things to make, a number of workers)."""
    return _whole(text, minimum=1)


def non_negative_int(text: str) -> int:
    """A whole number of 0 or more (a pool size, a seed, a number of retries)."""
    return _whole(text, minimum=0)


def positive_float(text: str) -> float:
    """A finite number above 0 (seconds to wait)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{_shown(text)}: give a number above 0")
    return value


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a whole number") from None
    if value < minimum:
        below = "is negative" if value < 0 else f"is below {minimum}"
        raise argparse.ArgumentTypeError(f"{value} {below}; give {minimum} or more")
    return value


def _shown(text: str) -> str:
    """The value as typed, cut short: an error message stays one readable line."""
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}..."


def check_out_folder(path: Path) -> None:
    """An --out to write into must be a folder or not exist yet (it will be made)."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"--out {path} is a file; give a folder")
