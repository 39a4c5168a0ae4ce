"""`python -m benchmark clean-photo IN OUT`: check a photo and write it back with no metadata."""

import argparse
import json
import os
from pathlib import Path

from benchmark.cli import CommandError

HELP = "Check a photo (size, type, pixels) and write it as a JPEG with no metadata at all."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, metavar="IN", help="the photo: JPEG, PNG, WebP or HEIC")
    parser.add_argument("output", type=Path, metavar="OUT", help="where to write the cleaned JPEG")
    parser.add_argument(
        "--review", type=Path, metavar="OUT_REVIEW", help="also write the review-size JPEG here"
    )
    parser.add_argument(
        "--declared-type",
        metavar="MIME",
        help="the type the uploader claimed (e.g. image/jpeg); refused if the content differs",
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.photos import PhotoRejected, clean_photo_limited

    targets = [args.output] + ([args.review] if args.review else [])
    _check_targets(targets)
    try:
        data = _read_photo(args.input, args.declared_type)
        cleaned = clean_photo_limited(data, declared_type=args.declared_type)
    except PhotoRejected as rejection:
        raise CommandError(f"{args.input} rejected ({rejection.code}): {rejection}") from None
    _write_all_or_nothing(dict(zip(targets, [cleaned.data, cleaned.review_data], strict=False)))
    print(json.dumps(_summary(args, cleaned)))
    return 0


def _check_targets(targets: list[Path]) -> None:
    if len({target.resolve() for target in targets}) < len(targets):
        raise CommandError("OUT and --review name the same file; give them different paths")
    for target in targets:
        if not target.parent.is_dir():
            raise CommandError(f"folder {target.parent} does not exist; create it first")
        if target.is_dir():
            raise CommandError(f"{target} is a folder; give a file path for the JPEG")


def _read_photo(path: Path, declared_type: str | None) -> bytes:
    """The file's bytes; its size and type are checked first, so a huge file is never read."""
    from benchmark.photos import MAX_BYTES, SNIFF_BYTES, check_upload

    try:
        with path.open("rb") as source:
            head = source.read(SNIFF_BYTES)
            check_upload(head, os.fstat(source.fileno()).st_size, declared_type=declared_type)
            return head + source.read(MAX_BYTES + 1 - len(head))
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist; check the path") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a folder; give the photo file") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None


def _write_all_or_nothing(files: dict[Path, bytes]) -> None:
    from benchmark.files import atomic_write_files

    try:
        atomic_write_files(files)
    except OSError as error:
        raise CommandError(f"cannot write {error.filename}: {error.strerror}") from None


def _summary(args: argparse.Namespace, cleaned) -> dict:
    summary = {
        "output": str(args.output),
        "sha256": cleaned.sha256,
        "phash": cleaned.phash,
        "width": cleaned.width,
        "height": cleaned.height,
        "bytes": len(cleaned.data),
        "source_type": cleaned.source_type,
    }
    if args.review:
        summary |= {
            "review": str(args.review),
            "review_width": cleaned.review_width,
            "review_height": cleaned.review_height,
            "review_bytes": len(cleaned.review_data),
        }
    return summary
