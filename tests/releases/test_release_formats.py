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
    issues = dataset.metadata.ctx.issues
    assert (list(issues.errors), list(issues.warnings)) == ([], [])
    metadata = json.loads((out / "croissant.json").read_text())
    for recommended in ("datePublished", "citeAs", "license", "version", "creator", "keywords"):
        assert metadata[recommended], recommended
    assert metadata["datePublished"] == "2026-01-31"
    items = (out / "probe" / "items.jsonl").read_text().splitlines()
    records = list(dataset.records("probe_items"))
    assert len(records) == len(items)
    assert records[0]["probe_items/id"].decode() == json.loads(items[0])["id"]
    for entry in json.loads((out / "croissant.json").read_text())["distribution"]:
        if entry["@type"] == "cr:FileObject":
            data = (out / entry["contentUrl"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_llava_reads_the_memorisation_split(release, read_jsonl):
    """As LLaVA's LazySupervisedDataset does: json.load the list, open each `image`
    under --image_folder, and expect human/gpt turns with the image token."""
    from PIL import Image

    folder = release / "memorisation"
    examples = json.loads((folder / "llava.json").read_text())
    labels = {row["file_name"]: row["label"] for row in read_jsonl(folder / "metadata.jsonl")}
    instruction = json.loads((release / "templates/prompts.json").read_text())[
        "memorisation_instruction"
    ]
    assert len(examples) == len(labels)
    assert len({example["id"] for example in examples}) == len(examples)
    for example in examples:
        assert Image.open(folder / example["image"]).convert("RGB").size[0] > 0
        human, gpt = example["conversations"]
        assert (human["from"], gpt["from"]) == ("human", "gpt")
        assert human["value"] == f"<image>\n{instruction}"
        assert gpt["value"] == labels[example["image"]]


def test_llamafactory_reads_the_memorisation_split(release, read_jsonl, tmp_path):
    """As LLaMA-Factory does: its dataset_info.json entry names the file, the sharegpt
    formatting, the columns and the tags; the file loads with `datasets` "json"; turns
    alternate user/assistant; one <image> token per image, found under the dataset folder."""
    import datasets

    folder = release / "memorisation"
    info = json.loads((folder / "dataset_info.json").read_text())
    entry = info["mm_privacy_memorisation"]
    assert entry["formatting"] == "sharegpt"
    columns, tags = entry["columns"], entry["tags"]
    rows = datasets.load_dataset(
        "json", data_files=str(folder / entry["file_name"]), cache_dir=str(tmp_path / "hf")
    )["train"]
    labels = {row["file_name"]: row["label"] for row in read_jsonl(folder / "metadata.jsonl")}
    assert rows.num_rows == len(labels)
    for row in rows:
        messages, images = row[columns["messages"]], row[columns["images"]]
        roles = [message[tags["role_tag"]] for message in messages]
        assert roles == [tags["user_tag"], tags["assistant_tag"]]
        text = "".join(message[tags["content_tag"]] for message in messages)
        assert text.count("<image>") == len(images) == 1
        assert (folder / images[0]).is_file()
        assert messages[1][tags["content_tag"]] == labels[images[0]]


def test_the_trl_messages_file_matches_the_others(release):
    folder = release / "memorisation"
    messages = [json.loads(line) for line in (folder / "finetune.jsonl").read_text().splitlines()]
    llava = json.loads((folder / "llava.json").read_text())
    assert [m["images"][0] for m in messages] == [example["image"] for example in llava]


def test_the_question_wording_comes_from_the_template_file(build, tmp_path):
    from benchmark.prompts import DEFAULT_TEMPLATES

    templates = json.loads(DEFAULT_TEMPLATES.read_text())
    templates["memorisation_instruction"] = "Tell me everything about this person."
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(templates))
    out = tmp_path / "worded"
    build(out, prompt_templates=path)
    for name in ("finetune.jsonl", "llava.json", "llamafactory.json"):
        text = (out / "memorisation" / name).read_text()
        assert text.count("Tell me everything about this person.") == 12, name


def test_every_probe_item_carries_the_escape_phrase_of_the_template_file(build, tmp_path):
    from benchmark.prompts import DEFAULT_TEMPLATES
    from benchmark.scoring import Scorer, read_items

    templates = json.loads(DEFAULT_TEMPLATES.read_text())
    templates["escape_phrase"] = "No comment."
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(templates))
    out = tmp_path / "phrased"
    build(out, prompt_templates=path)
    items = read_items(out / "probe" / "items.jsonl")

    assert {item["escape_phrase"] for item in items} == {"No comment."}
    assert all("No comment." in item["prompt"] for item in items)
    scorer = Scorer(items, keep_responses=True)
    for item in items:
        scorer.add({"id": item["id"], "model": "m", "response": "No comment.", "error": None})
    assert {verdict["outcome"] for verdict in scorer.verdicts()} == {"refusal"}
