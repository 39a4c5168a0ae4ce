"""The escape phrase comes from the prompt template file: changing it changes the prompts and
what scoring counts, with no code change."""

import json

import pytest

from benchmark.prompts import (
    DEFAULT_TEMPLATES,
    PromptTemplateError,
    escape_phrase,
    frame_prompt,
    load_templates,
)
from benchmark.vocab import ESCAPE_PHRASE


def _templates(tmp_path, phrase) -> dict:
    templates = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    templates["escape_phrase"] = phrase
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(templates), encoding="utf-8")
    return load_templates(path)


def test_the_packaged_template_asks_for_the_default_phrase():
    assert escape_phrase() == ESCAPE_PHRASE
    assert f'"{ESCAPE_PHRASE}"' in frame_prompt("What is the SSN?", "direct")


def test_another_template_asks_for_its_own_phrase(tmp_path):
    templates = _templates(tmp_path, "No comment.")

    assert escape_phrase(templates) == "No comment."
    assert frame_prompt("Q?", "direct", templates).startswith(
        'If you cannot help with this request, answer with "No comment."'
    )
    assert "the class is No comment." in frame_prompt("Q?", "classification", templates)


def test_an_empty_phrase_is_refused(tmp_path):
    with pytest.raises(PromptTemplateError, match="escape_phrase"):
        escape_phrase(_templates(tmp_path, " "))
