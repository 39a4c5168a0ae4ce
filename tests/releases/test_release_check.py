import io
import json
from pathlib import Path

import pytest
from PIL import Image

from benchmark import release_check
from benchmark.cli import main
from benchmark.prompts import DEFAULT_TEMPLATES
from benchmark.release import ReleaseCheckFailed, ReleaseConfig, staging_dir_for
from benchmark.release_check import check_release
from benchmark.vocab import UNIQUE_FIELDS


def _refused(build, out) -> list[str]:
    """Build with every memorised form in the split, expect the check to refuse, and
    confirm nothing was published."""
    every_form = ReleaseConfig(
        "0.1.0", 7, preset="demo", allow_simulated=True, memorisation_images_per_identity=100
    )
    with pytest.raises(ReleaseCheckFailed) as raised:
        build(out, every_form)
    assert not out.exists()
    report = staging_dir_for(out, "0.1.0") / "CHECK-FAILED.txt"
    assert "nothing was published" in report.read_text()
    return raised.value.problems


def _probe_person(world, number=0):
    return [person for person in world.identities if person["pool"] == "probe"][number]


def _memorised(world, number=0):
    return [person for person in world.identities if person["pool"] == "memorisation"][number]


def test_a_clean_release_passes(build, tmp_path):
    out = tmp_path / "release"
    build(out)
    assert check_release(out) == []


def test_it_refuses_the_same_image_file_in_both_splits(build, world, tmp_path):
    memorised = next(i for i in world.images if i.identity_id == _memorised(world)["id"])
    data = Path(memorised.local_path).read_bytes()
    for scenario in ("hiring", "verification", "finance"):
        world.add_image(
            f"copied/{scenario}.png",
            data,
            source="photo",
            scenario=scenario,
            identity_id=_probe_person(world, 3)["id"],
        )
    problems = _refused(build, tmp_path / "release")
    assert any(p.startswith("image in both splits") and "same file" in p for p in problems)


def test_it_refuses_a_re_encoded_copy_by_its_perceptual_hash(build, world, tmp_path):
    memorised = next(i for i in world.images if i.identity_id == _memorised(world)["id"])
    picture = Image.open(memorised.local_path).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)  # the same picture saved again as a JPEG
    for scenario in ("hiring", "verification", "finance"):
        world.add_image(
            f"reencoded/{scenario}.jpg",
            buffer.getvalue(),
            source="photo",
            scenario=scenario,
            suffix=".jpg",
            identity_id=_probe_person(world, 4)["id"],
        )
    problems = _refused(build, tmp_path / "release")
    assert any("same picture (dHash distance" in p for p in problems)


def test_it_refuses_a_memorised_value_in_a_probe_images_fields(build, world, tmp_path):
    phone = _memorised(world)["phone"]
    reformatted = "(" + phone[:3] + ") " + phone[4:]
    for image in list(world.images):
        if image.source == "template" and image.identity_id == _probe_person(world)["id"]:
            fields = image.fields + [{"name": "note", "value": f"call {reformatted}"}]
            world.replace_image(image.key, fields=fields)
    problems = _refused(build, tmp_path / "release")
    assert any(
        p.startswith("target in probe image") and f"phone of {_memorised(world)['id']}" in p
        for p in problems
    )


def test_it_refuses_an_identity_value_shared_between_the_pools(build, world, tmp_path):
    probe_person = _probe_person(world)
    probe_person["email"] = _memorised(world)["email"].upper()
    problems = _refused(build, tmp_path / "release")
    assert any(
        p.startswith("shared identity value: email of probe identity " + probe_person["id"])
        for p in problems
    )


def test_it_refuses_a_prompt_that_contains_a_retention_target(build, world, tmp_path):
    memorised = _memorised(world)
    templates = json.loads(DEFAULT_TEMPLATES.read_text())
    templates["subjects"]["retention"] = "{name} (file " + memorised["ssn"].replace("-", " ") + ")"
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(templates))
    out = tmp_path / "release"
    with pytest.raises(ReleaseCheckFailed) as raised:
        build(out, prompt_templates=path)
    assert any(
        p.startswith("target in prompt") and f"ssn of {memorised['id']}" in p
        for p in raised.value.problems
    )
    assert not out.exists()


def test_a_rerun_after_a_failed_check_fails_again_without_publishing(build, world, tmp_path):
    _probe_person(world)["phone"] = _memorised(world)["phone"]
    out = tmp_path / "release"
    first = _refused(build, out)
    assert _refused(build, out) == first


def test_it_reports_files_that_differ_from_the_manifest(build, tmp_path):
    out = tmp_path / "release"
    build(out)
    (out / "README.md").write_text("edited")
    (out / "probe" / "notes.txt").write_text("extra")
    (out / "identities" / "probe.jsonl").unlink()
    problems = check_release(out)
    assert any(p.startswith("changed file: README.md has size 6") for p in problems)
    assert "extra file: probe/notes.txt is not in the manifest" in problems
    assert (
        "missing file: identities/probe.jsonl is in the manifest but not in the release" in problems
    )


@pytest.mark.parametrize(
    "damage, reason",
    [
        (b"\xff\xfe not text\n", "line 1: not UTF-8 text"),
        (b'["a list"]\n', "line 1: not a JSON object"),
        (b'{"id": ' + b"[" * 100_000 + b"\n", "line 1: nested too deeply"),
    ],
)
def test_a_damaged_jsonl_file_is_a_problem_not_a_crash(build, tmp_path, damage, reason):
    out = tmp_path / "release"
    build(out)
    probe = out / "identities" / "probe.jsonl"
    probe.write_bytes(damage + probe.read_bytes())
    problems = check_release(out)
    assert f"bad json: identities/probe.jsonl {reason}" in "\n".join(problems)


def test_it_reports_a_withdrawn_image_still_in_the_release(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    image = read_jsonl(out / "probe" / "metadata.jsonl")[0]
    (out / "withdrawals.jsonl").write_text(
        json.dumps({"sha256": image["sha256"], "reason": "test"}) + "\n"
    )
    problems = check_release(out)
    assert any(p.startswith("withdrawn image: probe/" + image["file_name"]) for p in problems)


def test_the_command_prints_ok_or_the_problems(build, tmp_path, capsys):
    out = tmp_path / "release"
    build(out)
    assert main(["check-release", str(out)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")

    (out / "croissant.json").write_text("{}")
    assert main(["check-release", str(out)]) == 2
    assert "changed file: croissant.json" in capsys.readouterr().out

    assert main(["check-release", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_parallel_read_finds_what_the_serial_one_finds(build, world, tmp_path, monkeypatch):
    """A large release is read on other processes; plant a copied file, a re-encoded copy
    and a slightly narrowed copy (a dHash candidate whose thumbnail has another width, so
    the memorised image is decoded again at that size) and both ways must report the same
    problems."""
    memorised = [i for i in world.images if i.identity_id == _memorised(world)["id"]]
    picture = Image.open(memorised[0].local_path).convert("RGB")
    largest = max((Image.open(image.local_path) for image in memorised), key=lambda i: i.width)
    narrowed = largest.convert("RGB").resize((round(largest.width * 0.985), largest.height))
    copies = {
        "copied.png": Path(memorised[1].local_path).read_bytes(),
        "reencoded.jpg": _encoded(picture, "JPEG"),
        "narrowed.png": _encoded(narrowed, "PNG"),
    }
    for number, (name, data) in enumerate(copies.items()):
        world.add_image(
            f"planted/{name}",
            data,
            source="photo",
            scenario=("hiring", "verification", "finance")[number],
            suffix=Path(name).suffix,
            identity_id=_probe_person(world, 5)["id"],
        )
    serial = _refused(build, tmp_path / "release")
    monkeypatch.setattr(release_check, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(release_check, "CHECK_PROCESSES", 2)
    monkeypatch.setattr(release_check, "READ_BATCH", 7)
    redecoded = []
    thumb_at = release_check._FileRead.thumb_at
    monkeypatch.setattr(
        release_check._FileRead,
        "thumb_at",
        lambda read, root, size: (
            (size != read.thumb.shape[::-1] and redecoded.append(read.path))
            or thumb_at(read, root, size)
        ),
    )
    staged = staging_dir_for(tmp_path / "release", "0.1.0") / "release"
    parallel = check_release(staged)

    assert parallel == serial
    overlaps = [problem for problem in serial if problem.startswith("image in both splits")]
    assert any("same file" in problem for problem in overlaps)
    assert any("planted-reencoded.jpg are the same picture" in problem for problem in overlaps)
    assert redecoded  # the narrowed copy was a candidate at another thumbnail size


def _encoded(picture: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, kind, quality=95)
    return buffer.getvalue()


def test_a_kind_named_like_the_start_of_another_is_counted_apart(build, tmp_path, read_jsonl):
    """ "shared identity" is how "shared identity value" starts: past the value clashes shown,
    an identity in both pools is still reported in full."""
    out = tmp_path / "release"
    build(out)
    probe = read_jsonl(out / "identities" / "probe.jsonl")
    memorisation = out / "identities" / "memorisation.jsonl"
    people = read_jsonl(memorisation)
    clones = [
        {**person, "id": f"clone-{n}", "pool": "memorisation"} for n, person in enumerate(probe[:5])
    ]
    shared = {**people[0], "id": probe[5]["id"]}
    rows = [*people, *clones, shared]
    memorisation.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    clashes = 5 * len(UNIQUE_FIELDS)
    assert clashes > release_check.SHOWN_PER_KIND
    problems = check_release(out)
    assert f"shared identity: {probe[5]['id']} is in both pools" in problems
    hidden = clashes - release_check.SHOWN_PER_KIND
    assert f"shared identity value: ... and {hidden} more" in problems
    assert not any(p.startswith("shared identity: ...") for p in problems)


def test_it_reports_a_photo_without_consent(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    metadata = out / "probe" / "metadata.jsonl"
    rows = read_jsonl(metadata)
    photo = next(row for row in rows if row["source"] == "photo")
    assert photo["consent_terms"] == "1"
    photo["consent_terms"] = None
    metadata.write_text("".join(json.dumps(row) + "\n" for row in rows))
    problems = check_release(out)
    assert f"photo without consent: probe/{photo['file_name']} names no consent terms" in problems


def test_it_refuses_an_email_local_part_in_both_pools(build, world, tmp_path):
    local = _memorised(world)["email"].split("@")[0]
    _probe_person(world)["email"] = f"{local.upper()}@another-domain.net"
    problems = _refused(build, tmp_path / "release")
    assert any(p.startswith("repeated email local part") and local in p for p in problems)


@pytest.mark.parametrize(
    "phone", ["800-555-0101", "(555) 213-0101", "1-966-213-0101", "+1 372 213 0101 x4", "213-0101"]
)
def test_it_refuses_a_phone_outside_the_geographic_area_codes(build, world, tmp_path, phone):
    _memorised(world)["phone"] = phone
    problems = _refused(build, tmp_path / "release")
    assert [p for p in problems if p.startswith("phone area code")] == [
        f"phone area code: {_memorised(world)['id']}'s phone {phone!r} is not geographic"
    ]


def test_it_refuses_an_unassigned_area_code(build, world, tmp_path):
    _memorised(world)["phone"] = "221-213-0101"  # assignable by the rules, not in service
    problems = _refused(build, tmp_path / "release")
    assert any("area code 221, not in service" in p for p in problems)
