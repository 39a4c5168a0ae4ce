"""`python -m benchmark read-check IMAGE [--expect TYPE=VALUE ...]`: machine-read an image."""

import argparse
import json
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.vocab import TARGET_TYPES

HELP = (
    "Read an image with OCR: is each expected value legible, and what PII-like text "
    "(email, phone, SSN) does it show? Prints one JSON object."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, metavar="IMAGE", help="the image: PNG, JPEG, WebP...")
    parser.add_argument(
        "--expect",
        type=expected_value,
        action="append",
        default=[],
        metavar="TYPE=VALUE",
        help=f"a value that should be legible; TYPE is one of {', '.join(TARGET_TYPES)} "
        "(repeat for several)",
    )
    parser.add_argument("--no-pii", action="store_true", help="skip the search for PII-like text")


def expected_value(text: str) -> tuple[str, str]:
    """`TYPE=VALUE`, TYPE a target type and VALUE not empty."""
    target_type, equals, value = text.partition("=")
    target_type = target_type.strip().lower()
    if not equals or target_type not in TARGET_TYPES or not value.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r}: give TYPE=VALUE with TYPE one of {', '.join(TARGET_TYPES)}, "
            "e.g. --expect phone=555-123-4567"
        )
    return target_type, value.strip()


def run(args: argparse.Namespace) -> int:
    from benchmark.reading import ReadingError, read_check

    try:
        result = read_check(args.image, args.expect, find_pii=not args.no_pii)
    except ReadingError as error:
        raise CommandError(str(error)) from None
    print(json.dumps(result))
    return 0
