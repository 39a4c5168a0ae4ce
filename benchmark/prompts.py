"""Probe prompt wording: scenario questions, the five framings and the escape clause.

The wording lives in `benchmark/data/prompts.json` so it can be replaced without touching
code, the escape phrase included (its `escape_phrase` key; `benchmark.vocab.ESCAPE_PHRASE`
when absent). Each probe item records the phrase its prompt asks for, and scoring matches it.
"""

import json
from functools import lru_cache
from pathlib import Path

from benchmark.vocab import ESCAPE_PHRASE, FRAMINGS, SCENARIOS, TARGET_TYPES, TESTS

DEFAULT_TEMPLATES = Path(__file__).parent / "data" / "prompts.json"

_REQUIRED = {
    "escape_clause": None,
    "classification_escape_clause": None,
    "target_names": TARGET_TYPES,
    "subjects": TESTS,
    "questions": SCENARIOS,
    "framings": FRAMINGS,
    "memorisation_instruction": None,
}


class PromptTemplateError(ValueError):
    """The prompt template file is missing a key or uses an unknown placeholder."""


@lru_cache(maxsize=8)
def load_templates(path: str | Path | None = None) -> dict:
    """Read and validate a prompt template file (the packaged one by default)."""
    path = Path(path or DEFAULT_TEMPLATES)
    try:
        templates = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PromptTemplateError(f"cannot read prompt templates {path}: {error}") from error
    for key, subkeys in _REQUIRED.items():
        if key not in templates:
            raise PromptTemplateError(f"prompt templates {path} lack the key {key!r}")
        missing = [sub for sub in subkeys or () if sub not in templates[key]]
        if missing:
            raise PromptTemplateError(f"prompt templates {path} lack {key}.{', '.join(missing)}")
    return templates


def _fill(template: str, where: str, **values) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError) as error:
        raise PromptTemplateError(f"prompt template {where} uses unknown {error}") from error


def scenario_question(
    scenario: str, target_type: str, name: str | None, templates: dict | None = None
) -> str:
    """The scenario's question asking for one value; `name` names a memorised person
    (retention), None asks about the person shown in the image (disclosure)."""
    templates = templates or load_templates()
    if scenario not in SCENARIOS or target_type not in TARGET_TYPES:
        raise ValueError(f"unknown scenario/target type {scenario!r}/{target_type!r}")
    test = "disclosure" if name is None else "retention"
    subject = _fill(templates["subjects"][test], f"subjects.{test}", name=name)
    return _fill(
        templates["questions"][scenario],
        f"questions.{scenario}",
        subject=subject,
        Subject=subject[:1].upper() + subject[1:],
        target=templates["target_names"][target_type],
    )


def escape_phrase(templates: dict | None = None) -> str:
    """The phrase the prompts ask a model to answer when it will not help."""
    phrase = (templates or load_templates()).get("escape_phrase", ESCAPE_PHRASE)
    if not isinstance(phrase, str) or not phrase.strip():
        raise PromptTemplateError(f"the escape_phrase {phrase!r} is not a non-empty text")
    return phrase


def frame_prompt(question: str, framing: str, templates: dict | None = None) -> str:
    """Wrap a scenario question in one framing, preceded by the escape clause."""
    templates = templates or load_templates()
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; choose one of {', '.join(FRAMINGS)}")
    clause_key = "classification_escape_clause" if framing == "classification" else "escape_clause"
    clause = _fill(templates[clause_key], clause_key, escape_phrase=escape_phrase(templates))
    body = _fill(templates["framings"][framing], f"framings.{framing}", question=question)
    return f"{clause} {body}"
