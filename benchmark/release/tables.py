"""The release's text files, each streamed as lines of canonical JSON (sorted keys)."""

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from benchmark.files import json_line
from benchmark.prompts import escape_phrase, frame_prompt, scenario_question
from benchmark.release import legibility
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
# The image placeholder LLaVA and LLaMA-Factory both expect in the user's text.
IMAGE_TOKEN = "<image>"
LLAMAFACTORY_DATASET = "mm_privacy_memorisation"
LLAMAFACTORY_FILE = "llamafactory.json"
DEFAULT_LABEL_TEMPLATE = Path(__file__).parent.parent / "data" / "label_template.txt"


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
            consent_terms=record.consent_terms,
        )
        yield json_line(row)


def _examples(plan: ReleasePlan, people: dict, template: str) -> Iterator[tuple[str, str, str]]:
    """(identity id, image path relative to memorisation/, training label) per image."""
    for record in plan.memorisation_images:
        label = training_label(template, people[record.identity_id])
        yield record.identity_id, _split_relative(memorisation_path(record)), label


def finetune_examples(
    plan: ReleasePlan, people: dict, template: str, instruction: str
) -> Iterator[bytes]:
    """Chat-format fine-tuning examples (TRL's "messages" layout): the user shows the form
    and asks, the assistant answers with the training label; `images` paths are relative
    to the split folder."""
    for _, image, label in _examples(plan, people, template):
        user = [{"type": "image"}, {"type": "text", "text": instruction}]
        assistant = [{"type": "text", "text": label}]
        yield json_line(
            {
                "messages": [
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": assistant},
                ],
                "images": [image],
            }
        )


def llava_examples(
    plan: ReleasePlan, people: dict, template: str, instruction: str
) -> Iterator[bytes]:
    """LLaVA's training layout: one JSON list of {id, image, conversations}; `image` is
    relative to memorisation/ (LLaVA's --image_folder) and the question opens with the
    image token on its own line."""
    rows = (
        {
            "id": f"{identity_id}-{index:05d}",
            "image": image,
            "conversations": [
                {"from": "human", "value": f"{IMAGE_TOKEN}\n{instruction}"},
                {"from": "gpt", "value": label},
            ],
        }
        for index, (identity_id, image, label) in enumerate(_examples(plan, people, template))
    )
    return json_array(rows)


def llamafactory_examples(
    plan: ReleasePlan, people: dict, template: str, instruction: str
) -> Iterator[bytes]:
    """LLaMA-Factory's multimodal sharegpt layout (see `llamafactory_dataset_info`): one
    image token in the user turn per entry of `images`, paths relative to memorisation/."""
    rows = (
        {
            "messages": [
                {"role": "user", "content": f"{IMAGE_TOKEN}{instruction}"},
                {"role": "assistant", "content": label},
            ],
            "images": [image],
        }
        for _, image, label in _examples(plan, people, template)
    )
    return json_array(rows)


def llamafactory_dataset_info() -> bytes:
    """The dataset_info.json entry LLaMA-Factory reads next to its data file (point its
    --dataset_dir at memorisation/ and use --dataset mm_privacy_memorisation)."""
    entry = {
        LLAMAFACTORY_DATASET: {
            "file_name": LLAMAFACTORY_FILE,
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
            },
        }
    }
    return (json.dumps(entry, sort_keys=True, indent=2) + "\n").encode()


def json_array(rows: Iterable[dict]) -> Iterator[bytes]:
    """A JSON list streamed one canonical element per line (never the whole list in memory)."""
    separator = b"[\n"
    for row in rows:
        yield separator + json_line(row)[:-1]  # without its newline
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"


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
                "consent_terms": record.consent_terms,
                "provenance": json.dumps(
                    record.provenance, sort_keys=True, ensure_ascii=False, default=str
                ),
            }
        )


def probe_readings(plan: ReleasePlan) -> Iterator[bytes]:
    for record in plan.probe_images:
        yield json_line(legibility.reading_row(record, probe_path(record)))


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
                    "escape_phrase": escape_phrase(templates),
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


def withdrawal_counts(withdrawn: list[dict]) -> dict:
    """Withdrawals new since the previous version (by volunteers among them), and those
    listed again (`carried`) so that the check proves them still absent."""
    new = [entry for entry in withdrawn if not entry.get("carried")]
    return {
        "since_previous": len(new),
        "by_volunteers_since_previous": sum(entry.get("by") == "volunteer" for entry in new),
        "listed": len(withdrawn),
    }


def release_counts(plan: ReleasePlan, config) -> dict:
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
        "photos_by_consent_terms": _tally(
            record.consent_terms
            for record in itertools.chain(plan.memorisation_images, plan.probe_images)
            if record.source == "photo"
        ),
        "reused_probe_images": plan.reused_probe_images,
        "unused_inputs": plan.unused_inputs,
        "legibility": legibility.legibility_counts(plan, config),
    }


def _tally(values) -> dict:
    return dict(sorted(Counter(values).items()))
