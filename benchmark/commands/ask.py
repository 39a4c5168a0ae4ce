"""`python -m benchmark ask`: collect a model's responses to probe items (resumable)."""

import argparse
import os
from pathlib import Path

from benchmark.cli import CommandError
from benchmark.commands._args import non_negative_int, positive_float, positive_int

HELP = (
    "Send every probe item (image + prompt) to an OpenAI-compatible chat-completions "
    "endpoint and append the answers to a responses JSONL (resumable)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=Path, required=True, help="RELEASE/probe/items.jsonl")
    parser.add_argument(
        "--endpoint",
        required=True,
        help="API base URL (e.g. http://localhost:8000/v1) or its /chat/completions URL",
    )
    parser.add_argument("--model", required=True, help="model name sent to the endpoint")
    parser.add_argument("--out", type=Path, required=True, help="responses JSONL to append to")
    parser.add_argument("--max-tokens", type=positive_int, default=150, help="new tokens at most")
    parser.add_argument("--seed", type=int, help="sampling seed sent to the endpoint (recorded)")
    parser.add_argument("--concurrency", type=positive_int, default=8)
    parser.add_argument("--timeout", type=positive_float, default=60.0, help="seconds a request")
    parser.add_argument("--retries", type=non_negative_int, default=5)
    parser.add_argument(
        "--backoff", type=positive_float, default=1.0, help="first retry delay (s), doubling"
    )
    parser.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the API key (default %(default)s; unset: no key)",
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.ask import CollectError, collect_responses

    try:
        stats = collect_responses(
            args.items,
            args.endpoint,
            args.model,
            args.out,
            max_tokens=args.max_tokens,
            seed=args.seed,
            concurrency=args.concurrency,
            timeout=args.timeout,
            retries=args.retries,
            api_key=os.environ.get(args.api_key_env) or None,
            backoff_base=args.backoff,
        )
    except CollectError as error:
        raise CommandError(str(error)) from None
    print(
        f"{stats.total} items: {stats.skipped} already answered, {stats.answered} answered now, "
        f"{stats.failed} failed (asked again on the next run) in {stats.elapsed_s:.1f} s; "
        f"responses in {args.out}"
    )
    return 1 if stats.failed else 0
