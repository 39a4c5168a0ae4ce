"""The output folder rule `render` and `scenes` share: a new or empty folder is written;
one that holds files is refused unless --overwrite, and even then only when it holds
nothing but what the command itself writes. The run is written into a staging folder
beside OUT and renamed into place at the end (benchmark.files.staged_folder), so OUT never
holds half a run; a folder that cannot be written is one clear line, not a traceback."""

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from benchmark.cli import CommandError


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an OUT folder that holds an earlier run's files (never other files)",
    )


def check_out(out: Path, *, overwrite: bool, is_ours: Callable[[Path], bool]) -> None:
    """Refuse an OUT this run may not write, before any work is done."""
    if out.exists():
        if not out.is_dir():
            raise CommandError(f"--out {out} is a file; give a new or empty folder")
        if any(out.iterdir()):
            if not overwrite:
                raise CommandError(
                    f"--out {out} already holds files; pass --overwrite to replace an earlier "
                    "run, or pick a new or empty folder"
                )
            if not is_ours(out):
                raise CommandError(
                    f"--out {out} holds files this command did not write; it is never "
                    "replaced, even with --overwrite: pick a new or empty folder"
                )
    _check_writable(out)


def _check_writable(out: Path) -> None:
    existing = out.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CommandError(f"cannot write to {existing}: permission denied; pick another --out")
