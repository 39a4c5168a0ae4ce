"""`python -m benchmark <command>`: one sub-command per module in benchmark.commands.

Each command module defines `HELP` (one line), `add_arguments(parser)` and
`run(args) -> int`. A `CommandError` raised anywhere becomes one clear line on
stderr and exit status 2, never a traceback.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "identities": "benchmark.commands.identities",
    "render": "benchmark.commands.render",
    "clean-photo": "benchmark.commands.clean_photo",
    "read-check": "benchmark.commands.read_check",
    "scenes": "benchmark.commands.scenes",
    "check-release": "benchmark.commands.check_release",
    "ask": "benchmark.commands.ask",
    "score": "benchmark.commands.score",
    "from-inspect": "benchmark.commands.from_inspect",
}


class CommandError(Exception):
    """A user-facing failure: bad argument, unreadable file, refused input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with `only`, import just that command's module (fast start)."""
    parser = _Parser(prog="python -m benchmark", description="MM-Privacy benchmark tools.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module_path in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(module_path)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(chosen).parse_args(argv)
    try:
        return args.run(args) or 0
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
