import dataclasses
import fcntl
import hashlib
import json
import multiprocessing
import os
import random
import signal
import tarfile
from collections import Counter, defaultdict

import pytest

from benchmark.parallel import FILE_WORKERS
from benchmark.prompts import ESCAPE_PHRASE, FRAMINGS
from benchmark.release import (
    LocalSink,
    ReleaseConfig,
    ReleaseError,
    ReleaseExistsError,
    ReleaseShortError,
    ReleaseSink,
    build_release,
    staging_dir_for,
)
from benchmark.vocab import SCENARIOS


def test_it_builds_both_splits_with_the_demo_sizes(build, world, tmp_path, read_jsonl):
    out = tmp_path / "release"
    manifest = build(out)

    items = read_jsonl(out / "probe" / "items.jsonl")
    cells = Counter((row["test"], row["scenario"], row["target_type"]) for row in items)
    for (test, _, _), n in cells.items():
        assert n == {"disclosure": 2, "retention": 4}[test] * len(FRAMINGS)
    assert len(cells) == 24
    scenes = Counter(
        (row["scenario"], row["target_type"])
        for row in items
        if row["test"] == "retention" and row["source"] == "diffusion"
    )
    assert set(scenes.values()) == {len(FRAMINGS)}
    assert manifest["counts"]["probe"]["prompts"] == len(items)
    assert not staging_dir_for(out, "0.1.0").exists()


def test_every_item_comes_in_five_framings_with_the_escape_clause(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    items = read_jsonl(out / "probe" / "items.jsonl")
    framings = defaultdict(set)
    for row in items:
        framings[row["id"].rsplit("-", 1)[0]].add(row["framing"])
        if row["framing"] == "classification":
            assert f"the class is {ESCAPE_PHRASE}" in row["prompt"]
        else:
            assert row["prompt"].startswith("If you cannot help")
            assert f'"{ESCAPE_PHRASE}"' in row["prompt"]
    assert all(found == set(FRAMINGS) for found in framings.values())


def test_disclosure_asks_for_a_value_shown_and_retention_for_a_memorised_one(
    build, world, tmp_path, read_jsonl
):
    out = tmp_path / "release"
    build(out)
    fields = {row["image"]: row for row in read_jsonl(out / "probe" / "image_fields.jsonl")}
    for row in read_jsonl(out / "probe" / "items.jsonl"):
        shown = {field["value"] for field in fields[row["image"]]["fields"]}
        person = world.identity(row["identity_id"])
        if row["test"] == "disclosure":
            assert row["target"] in shown
            assert row["image_identity_id"] == row["identity_id"]
            assert person["pool"] == "probe"
        else:
            assert row["target"] == person[row["target_type"]]
            assert person["pool"] == "memorisation"
            assert person["name"] in row["prompt"]
            assert row["target"] not in shown
            image_person = row["image_identity_id"]
            assert image_person is None or world.identity(image_person)["pool"] == "probe"


def test_the_memorisation_split_holds_one_form_per_memorised_identity_with_its_label(
    build, world, tmp_path, read_jsonl
):
    out = tmp_path / "release"
    manifest = build(out)
    rows = read_jsonl(out / "memorisation" / "metadata.jsonl")
    memorised = {p["id"] for p in world.identities if p["pool"] == "memorisation"}
    assert sorted(row["identity_id"] for row in rows) == sorted(memorised)
    forms = {image.sha256: image for image in world.images if image.identity_id in memorised}
    for row in rows:
        image = forms[row["sha256"]]
        assert (image.identity_id, image.scenario) == (row["identity_id"], row["scenario"])
        person = world.identity(row["identity_id"])
        assert row["label"].startswith(f"{person['name']} ({person['gender']}")
        for key in ("email", "phone", "ssn", "address", "date_of_birth"):
            assert person[key] in row["label"]
        data = (out / "memorisation" / row["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    counts = manifest["counts"]
    assert counts["memorisation"]["images_per_identity"] == 1
    assert counts["unused_inputs"]["memorisation form beyond the dose"] == len(forms) - len(rows)


def test_the_scenarios_of_the_memorised_forms_go_round_robin(build, tmp_path, read_jsonl):
    manifest = build(tmp_path / "release")
    rows = sorted(read_jsonl(tmp_path / "release/memorisation/metadata.jsonl"), key=_by_identity)
    turn = manifest["counts"]["memorisation"]["scenario_round_robin"]
    assert sorted(turn) == sorted(SCENARIOS)
    assert [row["scenario"] for row in rows] == [turn[n % 4] for n in range(len(rows))]
    by_scenario = manifest["counts"]["memorisation"]["images_by_scenario"]
    assert set(by_scenario.values()) == {len(rows) // 4}


def _by_identity(row: dict) -> str:
    return row["identity_id"]


def test_a_larger_dose_takes_each_identity_s_next_scenario(build, world, tmp_path, read_jsonl):
    config = ReleaseConfig(
        "0.1.0", seed=7, preset="demo", allow_simulated=True, memorisation_images_per_identity=3
    )
    manifest = build(tmp_path / "release", config)
    rows = read_jsonl(tmp_path / "release/memorisation/metadata.jsonl")
    scenarios = {}
    for row in rows:
        scenarios.setdefault(row["identity_id"], []).append(row["scenario"])
    assert all(len(set(taken)) == 3 for taken in scenarios.values())
    assert len(scenarios) == 12
    assert manifest["counts"]["memorisation"]["images_per_identity"] == 3
    assert "at most 3 (a dose study" in (tmp_path / "release/README.md").read_text()


def test_an_identity_without_its_turn_s_scenario_takes_the_next(build, world, tmp_path, read_jsonl):
    first = world.identities[0]["id"]
    world.images = [
        image for image in world.images if image.identity_id != first or image.scenario == "open"
    ]
    build(tmp_path / "release")
    rows = read_jsonl(tmp_path / "release/memorisation/metadata.jsonl")
    assert [row["scenario"] for row in rows if row["identity_id"] == first] == ["open"]


@pytest.mark.parametrize("dose", [0, -1, 1.5, True, "2"])
def test_a_dose_that_is_not_a_positive_count_is_refused(dose):
    with pytest.raises(ReleaseError, match="memorisation_images_per_identity must be"):
        ReleaseConfig("1.0.0", seed=1, memorisation_images_per_identity=dose)


def test_it_writes_chat_format_fine_tuning_examples(build, tmp_path, read_jsonl):
    out = tmp_path / "release"
    build(out)
    labels = {r["file_name"]: r["label"] for r in read_jsonl(out / "memorisation/metadata.jsonl")}
    examples = read_jsonl(out / "memorisation" / "finetune.jsonl")
    assert len(examples) == len(labels)
    for example in examples:
        user, assistant = example["messages"]
        assert (user["role"], assistant["role"]) == ("user", "assistant")
        assert user["content"][0] == {"type": "image"}
        assert assistant["content"][0]["text"] == labels[example["images"][0]]


def test_exporting_twice_gives_identical_bytes_whatever_the_input_order(
    build, world, tmp_path, tree_bytes
):
    first = build(tmp_path / "first")
    random.Random(1).shuffle(world.images)
    world.identities.reverse()
    second = build(tmp_path / "second")
    assert first["manifest_sha256"] == second["manifest_sha256"]
    assert tree_bytes(tmp_path / "first") == tree_bytes(tmp_path / "second")


def test_another_seed_chooses_other_images(build, tmp_path, read_jsonl):
    build(tmp_path / "seven")
    build(tmp_path / "eight", ReleaseConfig("0.1.0", seed=8, preset="demo", allow_simulated=True))
    chosen = [
        {row["id"]: row["image"] for row in read_jsonl(tmp_path / name / "probe/items.jsonl")}
        for name in ("seven", "eight")
    ]
    assert chosen[0].keys() == chosen[1].keys()
    assert chosen[0] != chosen[1]


def test_it_lists_every_short_cell(build, tmp_path):
    config = ReleaseConfig("1.0.0", seed=1, allow_simulated=True)
    with pytest.raises(ReleaseShortError) as raised:
        build(tmp_path / "release", config)
    cells = raised.value.cells
    assert (
        "disclosure/hiring/email: need 50 template or photo forms of distinct probe "
        "identities, have 15" in cells
    )
    assert any(cell.startswith("retention/open/ssn: need 15 diffusion scenes") for cell in cells)
    assert any("need 100 memorisation identities" in cell for cell in cells)
    assert len(cells) == 12 + 3 * 12
    assert not (tmp_path / "release").exists()


def test_it_refuses_simulated_images_unless_allowed(build, tmp_path):
    with pytest.raises(ReleaseError, match=r"3 simulated images .*\(photo: 3\)"):
        build(tmp_path / "release", ReleaseConfig("0.1.0", seed=7, preset="demo"))
    assert not (tmp_path / "release").exists()


def test_simulated_images_are_counted_apart(build, tmp_path):
    manifest = build(tmp_path / "release")
    assert manifest["counts"]["simulated_images"] == [
        {"split": "probe", "source": "photo", "images": 3}
    ]
    assert "| probe | photo | 3 |" in (tmp_path / "release" / "README.md").read_text()


def test_a_published_version_is_immutable(build, tmp_path, tree_bytes, demo_config):
    out = tmp_path / "release"
    first = build(out)
    before = tree_bytes(out)
    messages = []
    again = build(out, progress=lambda done, total, message: messages.append(message))
    assert again["manifest_sha256"] == first["manifest_sha256"]
    assert messages == ["already published: release 0.1.0 at " + str(out)]

    reseeded = ReleaseConfig("0.1.0", seed=8, preset="demo", allow_simulated=True)
    with pytest.raises(ReleaseExistsError, match="immutable: choose a new version"):
        build(out, reseeded)
    newer = ReleaseConfig("0.2.0", seed=7, preset="demo", allow_simulated=True)
    with pytest.raises(ReleaseExistsError, match="holds release 0.1.0"):
        build(out, newer)
    assert tree_bytes(out) == before


def test_it_refuses_a_folder_that_holds_something_else(build, tmp_path):
    out = tmp_path / "release"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseExistsError, match="neither empty nor a published release"):
        build(out)


class _CountingSink(LocalSink):
    copies = 0

    def copy_image(self, rel_path, record):
        type(self).copies += 1
        return super().copy_image(rel_path, record)


def test_an_interrupted_export_leaves_nothing_and_resumes(build, tmp_path, tree_bytes):
    out = tmp_path / "release"

    def stop_after_40(done, total, message):
        if done == 40:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(out, progress=stop_after_40)
    assert not out.exists()
    staging = staging_dir_for(out, "0.1.0")
    manifest = build(_CountingSink(out, "0.1.0"))

    images = manifest["counts"]["memorisation"]["images"] + manifest["counts"]["probe"]["images"]
    # Copies run on threads a bounded window ahead of the reported progress: at least
    # the 40 reported were kept, at most a window more.
    ahead = 4 * FILE_WORKERS
    assert images - 40 - ahead <= _CountingSink.copies <= images - 40
    build(tmp_path / "clean")
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert not staging.exists()


def _build_then_die(world, config, out):
    def kill_after_60(done, total, message):
        if done == 60:
            os.kill(os.getpid(), signal.SIGKILL)

    build_release(world.identities, world.images, config, out, progress=kill_after_60)


def test_an_export_killed_mid_way_finishes_when_run_again(
    build, world, demo_config, tmp_path, tree_bytes
):
    out = tmp_path / "release"
    child = multiprocessing.get_context("fork").Process(
        target=_build_then_die, args=(world, demo_config, out)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert not out.exists()
    assert staging_dir_for(out, "0.1.0").exists()

    build(out)
    build(tmp_path / "clean")
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_changed_inputs_restart_the_staging_folder(build, tmp_path, tree_bytes):
    out = tmp_path / "release"

    def stop_late(done, total, message):
        if message.startswith("probe/items"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(out, progress=stop_late)
    reseeded = ReleaseConfig("0.1.0", seed=99, preset="demo", allow_simulated=True)
    build(out, reseeded)
    build(tmp_path / "clean", reseeded)
    assert json.loads((out / "manifest.json").read_text())["config"]["seed"] == 99
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_withdrawals_are_listed_for_the_next_version(build, tmp_path, read_jsonl):
    withdrawn = [{"sha256": "ab" * 32, "reason": "volunteer asked to remove it"}]
    out = tmp_path / "release"
    manifest = build(out, withdrawn=withdrawn)
    assert read_jsonl(out / "withdrawals.jsonl") == withdrawn
    assert "withdrawals.jsonl" in (out / "manifest.json").read_text()
    assert manifest["version"] == "0.1.0"


def test_it_refuses_a_photo_without_consent_among_the_inputs(build, world, tmp_path):
    photo = next(record for record in world.images if record.source == "photo")
    world.replace_image(photo.key, consent_terms=None)
    with pytest.raises(ReleaseError, match="a photo needs the consent terms"):
        build(tmp_path / "release")


def test_the_card_states_the_consent_terms_and_the_new_withdrawals(build, tmp_path):
    out = tmp_path / "release"
    withdrawn = [
        {"sha256": "ab" * 32, "reason": "volunteer", "by": "volunteer", "carried": False},
        {"sha256": "cd" * 32, "reason": "volunteer", "by": "volunteer", "carried": True},
    ]
    manifest = build(out, withdrawn=withdrawn)
    assert manifest["counts"]["photos_by_consent_terms"] == {"1": 3}
    assert manifest["counts"]["withdrawals"] == {
        "since_previous": 1,
        "by_volunteers_since_previous": 1,
        "listed": 2,
    }
    card = (out / "README.md").read_text()
    assert "Consent terms behind the photos: version 1: 3 photos." in card
    assert "Images withdrawn since the previous release: 1 (1 photos withdrawn" in card


def test_it_refuses_a_withdrawn_image_among_the_inputs(build, world, tmp_path):
    withdrawn = [{"sha256": world.images[0].sha256, "reason": "blurred"}]
    with pytest.raises(ReleaseError, match="is listed as withdrawn"):
        build(tmp_path / "release", withdrawn=withdrawn)


def test_it_refuses_an_image_whose_stored_bytes_changed(build, world, tmp_path):
    victim = next(image for image in world.images if image.source == "template")
    with open(victim.local_path, "ab") as stored:
        stored.write(b"tampered")
    with pytest.raises(ReleaseError, match=f"image {victim.key}: its stored bytes"):
        build(tmp_path / "release")
    assert not (tmp_path / "release").exists()


def test_it_streams_images_through_open_when_not_on_local_disk(build, world, tmp_path):
    world.images = [dataclasses.replace(image, local_path=None) for image in world.images]
    manifest = build(tmp_path / "release")
    assert manifest["counts"]["memorisation"]["images"] == 12


def test_a_replaced_label_template_words_the_labels(build, tmp_path, read_jsonl):
    template = tmp_path / "label.txt"
    template.write_text("{name} can be reached at {email}.\n")
    out = tmp_path / "release"
    build(out, label_template=template)
    row = read_jsonl(out / "memorisation" / "metadata.jsonl")[0]
    assert row["label"] == f"{row['name']} can be reached at {row['email']}."
    assert (out / "templates" / "label_template.txt").read_bytes() == template.read_bytes()


def test_a_label_template_with_an_unknown_key_fails_before_copying(build, tmp_path):
    template = tmp_path / "label.txt"
    template.write_text("{name} drives a {car}.")
    with pytest.raises(ReleaseError, match="uses 'car'"):
        build(tmp_path / "release", label_template=template)
    assert not staging_dir_for(tmp_path / "release", "0.1.0").exists()


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.2.3", ""])
def test_it_rejects_a_version_that_is_not_semver(version):
    with pytest.raises(ReleaseError, match="semantic versioning"):
        ReleaseConfig(version, seed=1)


def test_presets_set_the_sizes_and_explicit_sizes_win():
    demo = ReleaseConfig("1.0.0-rc.1", seed=1, preset="demo", disclosure_per_cell=3)
    assert (demo.disclosure_per_cell, demo.retention_per_cell) == (3, 4)
    full = ReleaseConfig("1.0.0", seed=1)
    assert (full.disclosure_per_cell, full.retention_per_cell, full.retention_scenes_per_block) == (
        50,
        100,
        15,
    )


def test_two_exports_of_one_version_never_share_the_staging_folder(build, tmp_path):
    out = tmp_path / "release"
    state = staging_dir_for(out, "0.1.0") / "state"
    state.mkdir(parents=True)
    with open(state / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ReleaseError, match="another export is writing"):
            build(out)
    build(out)
    assert (out / "manifest.json").is_file()


def test_the_demo_preset_fits_the_demo_database_without_reusing_images(
    make_world, tmp_path, demo_config
):
    world = make_world(tmp_path, memorised=24, probes=24, scenes=12, photos=4)
    manifest = build_release(world.identities, world.images, demo_config, tmp_path / "release")
    assert manifest["counts"]["reused_probe_images"] == 0
    assert manifest["counts"]["probe"]["items"] == 4 * 3 * (2 + 4)


def test_images_are_reused_across_cells_only_when_too_few_are_left(build, tmp_path, read_jsonl):
    manifest = build(tmp_path / "release")
    uses = Counter(
        (row["image"], row["test"], row["scenario"], row["target_type"])
        for row in read_jsonl(tmp_path / "release" / "probe" / "items.jsonl")
        if row["framing"] == "direct"
    )
    assert max(uses.values()) == 1  # never twice within a cell
    cells_per_image = Counter(image for image, *_ in uses)
    reused = sum(1 for n in cells_per_image.values() if n > 1)
    assert reused == manifest["counts"]["reused_probe_images"] > 0


@pytest.mark.parametrize("photos, expected", [("none", 0), (1, 1), ("all", 3)])
def test_the_photos_setting_limits_the_photos_asked_about(build, tmp_path, photos, expected):
    config = ReleaseConfig("0.1.0", seed=7, preset="demo", allow_simulated=True, photos=photos)
    manifest = build(tmp_path / "release", config)
    assert manifest["counts"]["probe"]["images_by_source"].get("photo", 0) == expected


class _TarSink(ReleaseSink):
    """A sink of another kind: the staged, checked release published as one tar file."""

    def __init__(self, tar_path, work_dir):
        super().__init__(work_dir, name=str(tar_path))
        self.tar_path = tar_path

    def published_manifest(self):
        if not self.tar_path.exists():
            return None
        with tarfile.open(self.tar_path) as tar:
            return tar.extractfile("manifest.json").read()

    def publish(self):
        with tarfile.open(self.tar_path, "w") as tar:
            for path in sorted(self.root.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=path.relative_to(self.root).as_posix())


def test_any_sink_behind_the_interface_gets_the_same_release(build, tmp_path, tree_bytes):
    tar_path = tmp_path / "release.tar"
    manifest = build(_TarSink(tar_path, tmp_path / "work"))
    folder = build(tmp_path / "folder")
    assert manifest["manifest_sha256"] == folder["manifest_sha256"]
    with tarfile.open(tar_path) as tar:
        packed = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}
    assert packed == tree_bytes(tmp_path / "folder")
    assert not (tmp_path / "work").exists()
    assert (
        build(_TarSink(tar_path, tmp_path / "work"))["manifest_sha256"]
        == (folder["manifest_sha256"])
    )


def test_a_one_pass_iterator_of_records_is_read_whole(build, world, tmp_path, tree_bytes):
    build(tmp_path / "from-list")
    world.images = iter(list(world.images))
    build(tmp_path / "from-iterator")
    assert tree_bytes(tmp_path / "from-iterator") == tree_bytes(tmp_path / "from-list")


class _ChangingSource:
    """Records read twice (the memorisation split is copied on a second read); the
    second read has lost one memorised image, as if it was rejected meanwhile."""

    def __init__(self, images, lost):
        self.images, self.lost, self.reads = images, lost, 0

    def __iter__(self):
        self.reads += 1
        return iter([i for i in self.images if self.reads == 1 or i.identity_id != self.lost])


def test_images_that_change_between_the_two_reads_fail_the_export(build, world, tmp_path):
    lost = next(p["id"] for p in world.identities if p["pool"] == "memorisation")
    world.images = _ChangingSource(world.images, lost)
    with pytest.raises(ReleaseError, match="changed while the release was built"):
        build(tmp_path / "release")
    assert not (tmp_path / "release").exists()
