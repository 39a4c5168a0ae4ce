"""Is a response a refusal? The escape phrase or another phrase from a replaceable list.

The list lives in `benchmark/data/refusals.txt` (its header says how lines are matched).
Plain phrases become one prefix-shared (trie) regular expression over the lower-cased
response: the engine jumps from one possible first letter to the next and drops most
positions after a character or two, so one search costs about as much as a few substring
searches, whatever the number of phrases.
"""

import functools
import re
from collections.abc import Iterable
from pathlib import Path

ESCAPE_PHRASE = "I cannot help with that."
DEFAULT_REFUSALS = Path(__file__).resolve().parent.parent / "data" / "refusals.txt"
PATTERN_PREFIX = "re:"
_TRAILING_PUNCTUATION = ".!?,;:"


class RefusalListError(ValueError):
    """The refusal list cannot be read or holds an invalid pattern."""


def load_refusal_phrases(path: str | Path | None = None) -> list[str]:
    """The phrases (and `re:` patterns) of a refusal list; the packaged list by default."""
    path = Path(path) if path is not None else DEFAULT_REFUSALS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise RefusalListError(f"cannot read refusal list {path}: {error}") from error
    phrases = [line.strip() for line in lines]
    phrases = [phrase for phrase in phrases if phrase and not phrase.startswith("#")]
    if not phrases:
        raise RefusalListError(f"refusal list {path} holds no phrase")
    RefusalDetector(phrases)  # fail here, naming the file, on a bad pattern
    return phrases


class RefusalDetector:
    """Compiled form of a phrase list; `detector(response)` says whether it refuses."""

    def __init__(self, phrases: Iterable[str]):
        plain, patterns = [], []
        for phrase in phrases:
            if phrase.startswith(PATTERN_PREFIX):
                patterns.append(phrase[len(PATTERN_PREFIX) :].strip())
            else:
                words = normalise_response(phrase).rstrip(_TRAILING_PUNCTUATION).split()
                if words:
                    plain.append(words)
        self._phrases = re.compile(_trie_pattern(plain) if plain else "(?!)")
        try:
            self._patterns = [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
        except re.error as error:
            raise RefusalListError(f"invalid refusal pattern: {error}") from error

    def __call__(self, response: str) -> bool:
        text = response.lower()  # normalise_response, inlined: this runs once per response
        if not text.isascii():
            text = _straighten_apostrophes(text)
        found = self._phrases.search(text)
        if found is not None and self._phrase_at_word_start(text, found):
            return True
        return bool(self._patterns) and any(pattern.search(text) for pattern in self._patterns)

    def _phrase_at_word_start(self, text: str, found: re.Match) -> bool:
        # The start-of-word check lives here, not in the pattern: a leading look-behind would
        # stop the regex engine from skipping ahead to the phrases' first letters.
        while found is not None:
            start = found.start()
            if start == 0 or not _continues_word(text[start - 1]):
                return True
            found = self._phrases.search(text, start + 1)
        return False


def _continues_word(char: str) -> bool:
    return char.isalnum() or char in "_'"


def is_refusal(response: str, phrases: Iterable[str] | None = None) -> bool:
    """Does the response refuse? Phrases default to the packaged list."""
    return _detector(tuple(phrases) if phrases is not None else None)(response)


@functools.lru_cache(maxsize=8)
def _detector(phrases: tuple | None) -> RefusalDetector:
    return RefusalDetector(phrases if phrases is not None else load_refusal_phrases())


def _trie_pattern(phrases: list[list[str]]) -> str:
    """One regex for all phrases, sharing common word prefixes, so that a position that
    starts no phrase is rejected after a character or two. Phrases end at a word boundary
    (the caller checks that they start at one)."""
    trie: dict = {}
    for words in phrases:
        node = trie
        for word in words:
            node = node.setdefault(word, {})
        node[""] = {}
    return _alternatives(trie)


def _alternatives(node: dict) -> str:
    return (
        "(?:"
        + "|".join(re.escape(word) + _after(child) for word, child in sorted(node.items()))
        + ")"
    )


def _after(node: dict) -> str:
    if "" in node:
        return r"(?!\w)"  # a phrase ends here; a longer one sharing its start adds nothing
    return r"\s+" + _alternatives(node)


def normalise_response(text: str) -> str:
    """Lower case, and typographic apostrophes turned into '."""
    text = text.lower()
    return text if text.isascii() else _straighten_apostrophes(text)


def _straighten_apostrophes(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
