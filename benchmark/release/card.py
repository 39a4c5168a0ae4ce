"""The release's dataset card (README.md), written from the counts and the config."""

from collections import defaultdict

from benchmark.release.config import ReleaseConfig
from benchmark.vocab import ESCAPE_PHRASE, FRAMINGS, SCENARIOS, TARGET_TYPES

LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


def dataset_card(config: ReleaseConfig, counts: dict, code_version: str) -> str:
    sections = [
        _front_matter(config),
        f"# MM-Privacy release {config.version}\n",
        _purpose(),
        _contents(counts),
        _items_table(counts, "disclosure"),
        _items_table(counts, "retention"),
        _simulated(counts),
        _consent(counts),
        _legibility(counts),
        _how_built(config, counts, code_version),
        _use(),
        f"## Licence\n\nThe synthetic identities, forms, scenes, labels and prompts are "
        f"released under {LICENSE} ({LICENSE_URL}). No real person's data is included.\n",
    ]
    return "\n".join(sections)


def _front_matter(config: ReleaseConfig) -> str:
    return (
        "---\n"
        "license: cc-by-4.0\n"
        f"pretty_name: MM-Privacy {config.version}\n"
        "tags:\n- privacy\n- multimodal\n- synthetic\n"
        "---\n"
    )


def _purpose() -> str:
    return (
        "## Purpose\n\n"
        "MM-Privacy measures two privacy risks of multimodal language models. **Disclosure**: "
        "the model repeats personal data printed in the image it is shown. **Retention**: the "
        "model repeats personal data it memorised during fine-tuning on the memorisation split, "
        "while the image it is shown does not contain that data. Every probe is asked in five "
        f"framings ({', '.join(FRAMINGS)}), each starting with an escape clause that invites "
        f'the fixed refusal "{ESCAPE_PHRASE}". All identities are synthetic.\n'
    )


def _contents(counts: dict) -> str:
    memorisation, probe = counts["memorisation"], counts["probe"]
    by_scenario = ", ".join(f"{k}: {v}" for k, v in memorisation["images_by_scenario"].items())
    by_source = ", ".join(f"{k}: {v}" for k, v in probe["images_by_source"].items())
    return (
        "## Contents\n\n"
        "| split | identities | images | items | prompts |\n|---|---|---|---|---|\n"
        f"| memorisation | {memorisation['identities']} | {memorisation['images']} | - | - |\n"
        f"| probe | {probe['identities']} | {probe['images']} | {probe['items']} "
        f"| {probe['prompts']} |\n\n"
        f"Memorisation images by scenario: {by_scenario or 'none'}.  \n"
        f"{_dose(memorisation)}  \n"
        f"Probe images by source: {by_source or 'none'}.\n\n"
        "Files: `memorisation/` and `probe/` load with Hugging Face "
        '`datasets.load_dataset("imagefolder", data_dir=...)`. The same fine-tuning examples '
        "(the form image, the question in `templates/prompts.json`'s `memorisation_instruction`, "
        "the label as the answer) in three layouts: `memorisation/finetune.jsonl` (TRL chat "
        '"messages"), `memorisation/llava.json` (LLaVA `conversations`; `--image_folder` is '
        "`memorisation/`) and `memorisation/llamafactory.json` with its `dataset_info.json` "
        "(LLaMA-Factory sharegpt; `--dataset_dir memorisation --dataset mm_privacy_memorisation`). "
        "`probe/items.jsonl` holds one framed prompt per line "
        "(`id`, `test`, `framing`, `scenario`, `target_type`, `source`, `image`, `prompt`, "
        "`target`); `probe/image_fields.jsonl` the ground-truth fields of each probe image; "
        "`identities/` the synthetic people; `manifest.json` every file's size and sha256; "
        "`croissant.json` Croissant metadata; `withdrawals.jsonl` images withdrawn since the "
        "previous version.\n"
    )


def _dose(memorisation: dict) -> str:
    per_identity = memorisation["images_per_identity"]
    turn = ", ".join(memorisation["scenario_round_robin"])
    paper = " (the paper's dose)" if per_identity == 1 else " (a dose study; the paper used 1)"
    return (
        f"Memorisation images per identity: at most {per_identity}{paper}, each identity's "
        f"scenario taken in turn ({turn}) and the form variant chosen with the seed."
    )


def _items_table(counts: dict, test: str) -> str:
    cells = defaultdict(int)
    sources = defaultdict(lambda: defaultdict(int))
    for row in counts["probe"]["items_by_cell"]:
        if row["test"] == test:
            cells[(row["scenario"], row["target_type"])] += row["items"]
            sources[row["scenario"]][row["source"]] += row["items"]
    header = "| scenario | " + " | ".join(TARGET_TYPES) + " | by source |\n"
    header += "|---" * (len(TARGET_TYPES) + 2) + "|\n"
    lines = [
        f"| {scenario} | "
        + " | ".join(str(cells[(scenario, target_type)]) for target_type in TARGET_TYPES)
        + " | "
        + ", ".join(f"{source}: {n}" for source, n in sorted(sources[scenario].items()))
        + " |\n"
        for scenario in SCENARIOS
    ]
    return (
        f"## {test.capitalize()} items (each in {len(FRAMINGS)} framings)\n\n"
        + header
        + "".join(lines)
    )


def _simulated(counts: dict) -> str:
    rows = counts["simulated_images"]
    if not rows:
        return "## Simulated images\n\nNone: every photo and scene is real.\n"
    lines = "".join(f"| {r['split']} | {r['source']} | {r['images']} |\n" for r in rows)
    return (
        "## Simulated images\n\n"
        "These images were made by a stand-in (for example a random-weight demo model), not "
        "photographed or generated for real; they are counted here apart and marked "
        "`simulated` in the metadata. Do not report results on them as real.\n\n"
        "| split | source | images |\n|---|---|---|\n" + lines
    )


def _consent(counts: dict) -> str:
    """How consent was obtained for the photos, and what was withdrawn since last time."""
    terms = counts.get("photos_by_consent_terms") or {}
    versions = ", ".join(f"version {v}: {n} photos" for v, n in terms.items()) or "no photos"
    withdrawals = counts.get("withdrawals") or {"since_previous": 0, "listed": 0}
    by_volunteers = withdrawals.get("by_volunteers_since_previous", 0)
    return (
        "## Consent and withdrawals\n\n"
        "Every photographed form was sent by a volunteer who had read and agreed to the "
        "volunteers' terms (what is published, the licence, that the values are synthetic and "
        "how to withdraw) before their first photo, and again whenever the terms changed; "
        "`metadata.jsonl` names the terms version behind each photo. Consent terms behind the "
        f"photos: {versions}.\n\n"
        f"Images withdrawn since the previous release: {withdrawals['since_previous']} "
        f"({by_volunteers} photos withdrawn by their volunteers). `withdrawals.jsonl` lists "
        f"{withdrawals['listed']} withdrawn images by sha256, earlier withdrawals by volunteers "
        "included (`carried`), so that the release check proves none of them is here.\n"
    )


def _legibility(counts: dict) -> str:
    found = counts.get("legibility")
    if not found or not found["rule"]:
        return (
            "## Legibility and PII-free scenes\n\nNot required for this release: disclosure "
            "targets and scenes were not checked against a machine reading.\n"
        )
    return (
        "## Legibility and PII-free scenes\n\n"
        "Every disclosure item asks for a value that a machine reading (OCR) read in its image "
        "or that a reviewer confirmed legible; every scene shown was read and carries no "
        "PII-like text, or a reviewer overrode its flag. Readings are in "
        "`probe/readings.jsonl`.\n\n"
        "| | count |\n|---|---|\n"
        "| disclosure items, target machine-legible | "
        f"{found['disclosure_items_machine_legible']} |\n"
        "| disclosure items, target confirmed legible by a reviewer | "
        f"{found['disclosure_items_reviewer_confirmed']} |\n"
        f"| scenes left out for PII-like text | {found['scenes_excluded_pii_like']} |\n"
        f"| scenes left out, not read | {found['scenes_excluded_not_read']} |\n"
        "| scenes used after a reviewer overrode the PII flag | "
        f"{found['scenes_used_with_pii_flag_overridden']} |\n"
    )


def _how_built(config: ReleaseConfig, counts: dict, code_version: str) -> str:
    unused = ", ".join(f"{k}: {v}" for k, v in counts["unused_inputs"].items()) or "none"
    return (
        "## How it was built\n\n"
        f"Built by the MM-Privacy curation code {code_version} with seed {config.seed} "
        f"(preset {config.preset or 'none'}): {config.disclosure_per_cell} disclosure items per "
        f"scenario x target type, {config.retention_per_cell} retention items per block "
        f"({config.retention_scenes_per_block} with a diffusion scene, the rest with a "
        "distractor form of a different, probe-pool person). Only images accepted by review were "
        "used. Memorisation and probe identities come from disjoint pools; an independent check "
        "read the finished files and found no retention target in any probe image or prompt, no "
        "identity value shared between the pools and no image (by sha256 or perceptual hash) in "
        f"both splits. Probe images reused across cells because too few were left: "
        f"{counts['reused_probe_images']}. Accepted images not used: {unused}.\n"
    )


def _use() -> str:
    return (
        "## Intended use and misuse\n\n"
        "Intended: measuring and reducing how often multimodal models disclose or retain "
        "personal data, under each framing, and testing defences. Fine-tune on the "
        "memorisation split only to study retention. Not intended: training models to "
        "extract personal data, building tools that harvest identity documents, or treating "
        "the synthetic identities as real people. Report attack success and refusal per "
        "framing, not only an average.\n"
    )
