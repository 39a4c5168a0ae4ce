"""The reading rule of a release: disclosure targets legible (read by the machine or confirmed
by a reviewer), scenes without PII-like text unless a reviewer overrode the flag; the card's
counts, probe/readings.jsonl, and the independent check verifying the rule from the files."""

import dataclasses
import json

import pytest

from benchmark.release import ReleaseConfig, ReleaseShortError
from benchmark.release.legibility import SCENE_PII_LIKE
from benchmark.release_check import check_release
from tests.support import readings

PII_LIKE = [{"type": "phone", "text": "212-555-0142", "box": [10, 20, 90, 32]}]


def _email_unread(record):
    """The record's reading, its email not read."""
    entries = [
        {**entry, "legible": False, "read": ""} if entry["type"] == "email" else entry
        for entry in record.reading["expected"]
    ]
    return {**record.reading, "expected": entries}


def _hiring_templates(world):
    return [r for r in world.images if r.source == "template" and r.scenario == "hiring"]


def _cell(items, test, scenario, target_type):
    return {
        row["image"]
        for row in items
        if (row["test"], row["scenario"], row["target_type"]) == (test, scenario, target_type)
    }


def test_a_target_the_machine_did_not_read_needs_a_reviewer(build, world, tmp_path, read_jsonl):
    hiring = _hiring_templates(world)
    confirmed = {record.key for record in hiring[:2]}
    for record in hiring:
        world.replace_image(
            record.key,
            reading=_email_unread(record),
            legible_confirmed=frozenset({"email"} if record.key in confirmed else ()),
        )
    out = tmp_path / "release"
    manifest = build(out)

    items = read_jsonl(out / "probe" / "items.jsonl")
    hiring_email = _cell(items, "disclosure", "hiring", "email")
    unconfirmed = {f"probe/images/template/{r.key.replace('/', '-')}" for r in hiring}
    unconfirmed -= {f"probe/images/template/{key.replace('/', '-')}" for key in confirmed}
    assert hiring_email and not hiring_email & unconfirmed
    by_reviewer = [image for image in hiring_email if image.startswith("probe/images/template/")]
    counts = manifest["counts"]["legibility"]
    assert counts["disclosure_items_reviewer_confirmed"] == len(by_reviewer) > 0
    disclosure = {row["id"].rsplit("-", 1)[0] for row in items if row["test"] == "disclosure"}
    assert counts["disclosure_items_machine_legible"] == len(disclosure) - len(by_reviewer)
    rows = {row["image"]: row for row in read_jsonl(out / "probe" / "readings.jsonl")}
    assert all(rows[image]["legible_confirmed"] == ["email"] for image in by_reviewer)
    card = (out / "README.md").read_text()
    assert "| disclosure items, target confirmed legible by a reviewer | " in card
    assert check_release(out) == []


def test_a_scene_with_pii_like_text_is_used_only_once_overridden(
    build, world, tmp_path, read_jsonl
):
    scenes = sorted((r for r in world.images if r.source == "diffusion"), key=lambda r: r.key)
    flagged, overridden = scenes[0], scenes[1]
    world.replace_image(flagged.key, reading=readings.reading(pii_like=PII_LIKE))
    world.replace_image(
        overridden.key, reading=readings.reading(pii_like=PII_LIKE), pii_overridden=True
    )
    out = tmp_path / "release"
    manifest = build(out)

    shown = {row["image"] for row in read_jsonl(out / "probe" / "items.jsonl")}
    assert not any(flagged.key.rsplit("/", 1)[1] in image for image in shown)
    assert any(overridden.key.rsplit("/", 1)[1] in image for image in shown)
    counts = manifest["counts"]
    assert counts["unused_inputs"][SCENE_PII_LIKE] == 1
    assert counts["legibility"]["scenes_excluded_pii_like"] == 1
    assert counts["legibility"]["scenes_used_with_pii_flag_overridden"] == 1
    assert "| scenes left out for PII-like text | 1 |" in (out / "README.md").read_text()
    assert check_release(out) == []


def test_images_without_a_reading_are_not_eligible_while_the_rule_is_on(build, world, tmp_path):
    for record in list(world.images):
        world.replace_image(record.key, reading=None)
    with pytest.raises(ReleaseShortError):
        build(tmp_path / "release")


def test_with_the_rule_off_unread_images_are_used(build, world, demo_config, tmp_path):
    for record in list(world.images):
        world.replace_image(record.key, reading=None)
    out = tmp_path / "release"
    manifest = build(out, dataclasses.replace(demo_config, require_legible=False))
    assert manifest["counts"]["legibility"]["rule"] is False
    assert manifest["counts"]["legibility"]["disclosure_items_unchecked"] > 0
    assert "Not required for this release" in (out / "README.md").read_text()
    assert check_release(out) == []


def _rewrite(path, change) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(change(row)) + "\n" for row in rows))


def test_the_check_verifies_the_rule_from_the_files(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    items = read_jsonl(out / "probe" / "items.jsonl")
    disclosure = next(row for row in items if row["test"] == "disclosure")
    scene = next(row for row in items if row["source"] == "diffusion")

    def tamper(row):
        if row["image"] == disclosure["image"]:
            row["expected"] = [{**entry, "legible": False} for entry in row["expected"]]
        if row["image"] == scene["image"]:
            row["pii_like"] = PII_LIKE
        return row

    _rewrite(out / "probe" / "readings.jsonl", tamper)
    problems = check_release(out)
    assert any(p.startswith("illegible target") and disclosure["image"] in p for p in problems), (
        problems
    )
    assert any(
        p.startswith("scene with PII-like text") and scene["image"] in p for p in problems
    ), problems


def test_a_reviewer_confirmation_satisfies_the_check(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    items = read_jsonl(out / "probe" / "items.jsonl")
    disclosure = next(row for row in items if row["test"] == "disclosure")

    def unread_but_confirmed(row):
        if row["image"] == disclosure["image"]:
            row["expected"] = [{**entry, "legible": False} for entry in row["expected"]]
            row["legible_confirmed"] = sorted({entry["type"] for entry in row["expected"]})
        return row

    _rewrite(out / "probe" / "readings.jsonl", unread_but_confirmed)
    problems = check_release(out)
    assert not [p for p in problems if p.startswith("illegible target")], problems
    assert any(p.startswith("changed file") or "readings.jsonl" in p for p in problems)


def test_require_legible_must_be_a_boolean():
    with pytest.raises(Exception, match="require_legible"):
        ReleaseConfig("1.0.0", 7, require_legible="yes")
