"""The exported folder loads with Hugging Face `datasets` and its Croissant validates."""

import hashlib
import json
import os

import pytest

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def release(build, tmp_path):
    out = tmp_path / "release"
    build(out)
    return out


def _load(release, split, tmp_path):
    import datasets

    loaded = datasets.load_dataset(
        "imagefolder", data_dir=str(release / split), cache_dir=str(tmp_path / "hf-cache")
    )
    return loaded["train"]


def test_the_memorisation_split_loads_with_its_labels(release, world, tmp_path, read_jsonl):
    rows = _load(release, "memorisation", tmp_path)
    metadata = read_jsonl(release / "memorisation" / "metadata.jsonl")
    assert rows.num_rows == len(metadata) == 12  # one form per memorised identity
    first = rows[0]
    assert first["image"].size == (240, 120)
    person = world.identity(first["identity_id"])
    assert first["label"].startswith(person["name"])
    assert sorted(rows["label"]) == sorted(row["label"] for row in metadata)


def test_the_probe_split_loads_with_every_probe_image(release, tmp_path, read_jsonl):
    rows = _load(release, "probe", tmp_path)
    items = read_jsonl(release / "probe" / "items.jsonl")
    assert rows.num_rows == len({item["image"] for item in items})
    assert set(rows["source"]) == {"template", "photo", "diffusion"}
    assert all(image.size[0] > 0 for image in rows["image"])


def test_croissant_metadata_validates_and_lists_the_items(build, tmp_path, demo_config):
    import dataclasses

    import mlcroissant

    out = tmp_path / "dated"
    build(out, dataclasses.replace(demo_config, date="2026-01-31"))
    dataset = mlcroissant.Dataset(jsonld=str(out / "croissant.json"))
    items = (out / "probe" / "items.jsonl").read_text().splitlines()
    records = list(dataset.records("probe_items"))
    assert len(records) == len(items)
    assert records[0]["probe_items/id"].decode() == json.loads(items[0])["id"]
    for entry in json.loads((out / "croissant.json").read_text())["distribution"]:
        if entry["@type"] == "cr:FileObject":
            data = (out / entry["contentUrl"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
