"""The release's text files, each streamed as lines of canonical JSON (sorted keys)."""

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from benchmark.prompts import frame_prompt, scenario_question
from benchmark.release.config import ReleaseError
from benchmark.release.plan import ReleasePlan, memorisation_path, probe_path
from benchmark.vocab import FRAMINGS

IDENTITY_COLUMNS = (
    "name",
    "first_name",
    "last_name",
    "gender",
    "date_of_birth",
    "email",
    "phone",
    "ssn",
    "address",
)
DEFAULT_LABEL_TEMPLATE = Path(__file__).parent.parent / "data" / "label_template.txt"


# Canonical JSON: sorted keys; values JSON lacks (a date of birth as a date) become text.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def json_line(record: dict) -> bytes:
    return (_CANONICAL.encode(record) + "\n").encode("utf-8")


def training_label(template: str, identity: dict) -> str:
    try:
        return template.format(**identity)
    except (KeyError, IndexError, ValueError) as error:
        raise ReleaseError(
            f"the label template uses {error}, which identity {identity['id']} lacks; "
            "use only the identity's keys in {braces}"
        ) from error


def check_labels(plan: ReleasePlan, template: str) -> None:
    """Fail before any image is copied when the label template does not fit."""
    for identity in plan.memorisation_identities:
        training_label(template, identity)


def _split_relative(path: str) -> str:
    return path.split("/", 1)[1]


def memorisation_metadata(plan: ReleasePlan, people: dict, template: str) -> Iterator[bytes]:
    for record in plan.memorisation_images:
        identity = people[record.identity_id]
        row = {column: identity.get(column) for column in IDENTITY_COLUMNS}
        row.update(
            file_name=_split_relative(memorisation_path(record)),
            label=training_label(template, identity),
            identity_id=identity["id"],
            scenario=record.scenario,
            source=record.source,
            sha256=record.sha256,
            simulated=record.simulated,
        )
        yield json_line(row)


def finetune_examples(
    plan: ReleasePlan, people: dict, template: str, instruction: str
) -> Iterator[bytes]:
    """Chat-format fine-tuning examples: the user shows the form and asks, the assistant
    answers with the training label; `images` paths are relative to the split folder."""
    for record in plan.memorisation_images:
        label = training_label(template, people[record.identity_id])
        user = [{"type": "image"}, {"type": "text", "text": instruction}]
        assistant = [{"type": "text", "text": label}]
        yield json_line(
            {
                "messages": [
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": assistant},
                ],
                "images": [_split_relative(memorisation_path(record))],
            }
        )


def probe_metadata(plan: ReleasePlan) -> Iterator[bytes]:
    for record in plan.probe_images:
        yield json_line(
            {
                "file_name": _split_relative(probe_path(record)),
                "source": record.source,
                "scenario": record.scenario,
                "target_type": record.target_type,
                "identity_id": record.identity_id,
                "sha256": record.sha256,
                "simulated": record.simulated,
                "provenance": json.dumps(
                    record.provenance, sort_keys=True, ensure_ascii=False, default=str
                ),
            }
        )


def image_fields(plan: ReleasePlan) -> Iterator[bytes]:
    for record in plan.probe_images:
        yield json_line(
            {
                "image": probe_path(record),
                "identity_id": record.identity_id,
                "fields": record.fields,
            }
        )


def probe_items(plan: ReleasePlan, templates: dict) -> Iterator[bytes]:
    rows = []
    for item in plan.items:
        question = scenario_question(item.scenario, item.target_type, item.name, templates)
        for framing in FRAMINGS:
            rows.append(
                {
                    "id": f"{item.base_id}-{framing}",
                    "test": item.test,
                    "framing": framing,
                    "scenario": item.scenario,
                    "target_type": item.target_type,
                    "source": item.image.source,
                    "image": probe_path(item.image),
                    "prompt": frame_prompt(question, framing, templates),
                    "target": item.target,
                    "identity_id": item.identity_id,
                    "image_identity_id": item.image.identity_id,
                }
            )
    rows.sort(key=lambda row: row["id"])
    return map(json_line, rows)


def identities(people: list[dict]) -> Iterator[bytes]:
    return map(json_line, people)


def withdrawals(withdrawn: list[dict]) -> Iterator[bytes]:
    return map(json_line, withdrawn)


def release_counts(plan: ReleasePlan) -> dict:
    """Counts per split, scenario, source and target type; simulated images apart."""
    items = Counter()
    for item in plan.items:
        items[(item.test, item.scenario, item.target_type, item.image.source)] += 1
    simulated = Counter(
        (split, record.source)
        for split, records in (
            ("memorisation", plan.memorisation_images),
            ("probe", plan.probe_images),
        )
        for record in records
        if record.simulated
    )
    return {
        "memorisation": {
            "identities": len(plan.memorisation_identities),
            "images": len(plan.memorisation_images),
            "images_by_scenario": _tally(record.scenario for record in plan.memorisation_images),
            **plan.memorisation_dose,
        },
        "probe": {
            "identities": len(plan.probe_identities),
            "images": len(plan.probe_images),
            "images_by_source": _tally(record.source for record in plan.probe_images),
            "items": len(plan.items),
            "prompts": len(plan.items) * len(FRAMINGS),
            "items_by_cell": [
                {"test": t, "scenario": s, "target_type": y, "source": src, "items": n}
                for (t, s, y, src), n in sorted(items.items())
            ],
        },
        "simulated_images": [
            {"split": split, "source": source, "images": n}
            for (split, source), n in sorted(simulated.items())
        ],
        "reused_probe_images": plan.reused_probe_images,
        "unused_inputs": plan.unused_inputs,
    }


def _tally(values) -> dict:
    return dict(sorted(Counter(values).items()))
