"""Loaded by the `inspect eval` subprocesses of these tests (PYTHONPATH): this machine has
no network, and inspect estimates token usage for mockllm with tiktoken, which downloads
its o200k_base table on first use. A length-based estimate stands in; it only fills the
usage figures, never a model's output or a score."""

from inspect_ai.model import ModelAPI


async def estimate_tokens(self, text: str) -> int:
    return max(1, len(text) // 4)


ModelAPI.count_text_tokens = estimate_tokens
