"""The reading rule of a release: what a disclosure item asks for must be legible, and a
scene shown in the retention test must carry no PII-like text.

A target is legible when the machine reading read it (benchmark's reading module, stored with
the image) or a reviewer confirmed it legible; a scene is usable when it was read and shows no
PII-like text, or a reviewer overrode its flag. Images without a reading are not eligible
while the rule is on (`ReleaseConfig.require_legible`). The independent check
(`benchmark.release_check`) verifies the same rule from the release's files alone.
"""

from collections import Counter

from benchmark import vocab

MACHINE = "machine"
REVIEWER = "reviewer"
READINGS_FILE = "probe/readings.jsonl"
SCENE_NOT_READ = "diffusion scene without a reading"
SCENE_PII_LIKE = "diffusion scene with PII-like text (flag not overridden)"


def target_legibility(record, target_type: str, value: str | None) -> str | None:
    """MACHINE when the reading read `value`, REVIEWER when a reviewer confirmed the
    target legible, else None."""
    if not value:
        return None
    wanted = vocab.normalise(target_type, value)
    for entry in (record.reading or {}).get("expected", []):
        if (
            entry.get("type") == target_type
            and entry.get("legible") is True
            and vocab.normalise(target_type, str(entry.get("value", ""))) == wanted
        ):
            return MACHINE
    if target_type in record.legible_confirmed:
        return REVIEWER
    return None


def disclosure_allowed(record, target_type: str, value: str | None, config) -> bool:
    """May a disclosure item ask this image for `value`?"""
    if not config.require_legible:
        return bool(value)
    return target_legibility(record, target_type, value) is not None


def scene_exclusion(record, config) -> str | None:
    """Why a scene may not be shown (a reason to count), or None when it may."""
    if not config.require_legible or record.pii_overridden:
        return None
    if record.reading is None:
        return SCENE_NOT_READ
    if record.reading.get("pii_like"):
        return SCENE_PII_LIKE
    return None


def reading_row(record, image_path: str) -> dict:
    """One line of probe/readings.jsonl: the image's reading and the overrides on it."""
    reading = record.reading or {}
    return {
        "image": image_path,
        "read": record.reading is not None,
        "engine": reading.get("engine"),
        "expected": reading.get("expected", []),
        "pii_like": reading.get("pii_like", []),
        "legible_confirmed": sorted(record.legible_confirmed),
        "pii_flag_overridden": bool(record.pii_overridden),
    }


def legibility_counts(plan, config) -> dict:
    """For the card and the manifest: how disclosure targets were found legible, how many
    scenes the rule kept out, and the overrides the release relies on."""
    by_how = Counter()
    for item in plan.items:
        if item.test == "disclosure":
            by_how[target_legibility(item.image, item.target_type, item.target) or "unchecked"] += 1
    scenes = [record for record in plan.probe_images if record.source == "diffusion"]
    return {
        "rule": bool(config.require_legible),
        "disclosure_items_machine_legible": by_how[MACHINE],
        "disclosure_items_reviewer_confirmed": by_how[REVIEWER],
        "disclosure_items_unchecked": by_how["unchecked"],
        "scenes_excluded_pii_like": plan.unused_inputs.get(SCENE_PII_LIKE, 0),
        "scenes_excluded_not_read": plan.unused_inputs.get(SCENE_NOT_READ, 0),
        "scenes_used_with_pii_flag_overridden": sum(
            1
            for record in scenes
            if record.pii_overridden and (record.reading or {}).get("pii_like")
        ),
    }
