"""`python -m benchmark check-release DIR`: the independent disjointness and integrity check."""

from pathlib import Path

HELP = "Check a finished release folder: splits disjoint, files as the manifest lists them."


def add_arguments(parser) -> None:
    parser.add_argument("release", type=Path, help="the release folder (holds manifest.json)")


def run(args) -> int:
    from benchmark.cli import CommandError
    from benchmark.release_check import check_release

    if not args.release.is_dir():
        raise CommandError(f"{args.release} is not a folder; give the release folder")
    problems = check_release(args.release)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{args.release}: {len(problems)} problems; the release fails the check")
        return 2
    print(f"OK: {args.release} passes the release check")
    return 0
