"""`python -m benchmark clean-photo`: one JSON line on success, one error line and exit 2
on a bad file, and nothing written unless the whole result is."""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from benchmark.photos import MAX_BYTES
from tests.support.hostile_photos import hostile_corpus
from tests.support.jpeg_checks import metadata_blocks
from tests.support.photo_samples import leaked_secrets, phone_jpeg, scene

REPO = Path(__file__).resolve().parents[2]


def clean_photo_cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "benchmark", "clean-photo", *map(str, args)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_it_writes_a_clean_upright_jpeg_and_prints_one_json_line(tmp_path):
    source = tmp_path / "IMG_0001.JPG"
    source.write_bytes(phone_jpeg(scene(1, size=(2400, 1800)), orientation=6))
    output, review = tmp_path / "clean.jpg", tmp_path / "review.jpg"

    result = clean_photo_cli(source, output, "--review", review)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    data = output.read_bytes()
    assert summary["sha256"] == hashlib.sha256(data).hexdigest()
    assert summary["bytes"] == len(data)
    assert (summary["width"], summary["height"]) == (1800, 2400)
    assert len(summary["phash"]) == 16
    assert metadata_blocks(data) == [] and leaked_secrets(data) == []
    assert metadata_blocks(review.read_bytes()) == []
    review_size = Image.open(io.BytesIO(review.read_bytes())).size
    assert review_size == (summary["review_width"], summary["review_height"])
    assert max(review_size) <= 1600
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "IMG_0001.JPG",
        "clean.jpg",
        "review.jpg",
    ]


def test_it_rejects_html_renamed_jpg_in_one_line_with_exit_2_and_writes_nothing(tmp_path):
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"<!DOCTYPE html><html><body>not a photo</body></html>")

    result = clean_photo_cli(source, tmp_path / "clean.jpg", "--review", tmp_path / "r.jpg")

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not_an_image" in result.stderr and "HTML" in result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["photo.jpg"]


def test_it_rejects_each_hostile_file_with_exit_2(tmp_path):
    picked = {"truncated.jpg", "drawing.svg", "30000x30000.png", "photo.png.jpg", "many-scans.jpg"}
    for hostile in hostile_corpus(max_bytes=1_000_000):
        if hostile.name not in picked:
            continue
        source = tmp_path / hostile.name
        source.write_bytes(hostile.data)
        declared = ["--declared-type", hostile.declared_type] if hostile.declared_type else []

        result = clean_photo_cli(source, tmp_path / "clean.jpg", *declared)

        assert result.returncode == 2, hostile.name
        assert hostile.expected_code in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "clean.jpg").exists()


def test_it_refuses_a_file_over_the_byte_limit_from_its_size(tmp_path):
    source = tmp_path / "huge.jpg"
    with source.open("wb") as sparse:
        sparse.write(phone_jpeg())
        sparse.truncate(MAX_BYTES + 1)  # a hole, not 25 MB written to disk

    result = clean_photo_cli(source, tmp_path / "clean.jpg")

    assert result.returncode == 2
    assert "too_large_bytes" in result.stderr
    assert not (tmp_path / "clean.jpg").exists()


def test_a_rejection_leaves_an_existing_output_untouched(tmp_path):
    output = tmp_path / "clean.jpg"
    output.write_bytes(b"previous result")
    source = tmp_path / "empty.jpg"
    source.write_bytes(b"")

    result = clean_photo_cli(source, output)

    assert result.returncode == 2 and "empty" in result.stderr
    assert output.read_bytes() == b"previous result"


def test_it_says_what_is_wrong_with_the_paths(tmp_path):
    source = tmp_path / "photo.jpg"
    source.write_bytes(phone_jpeg())

    missing = clean_photo_cli(tmp_path / "nope.jpg", tmp_path / "out.jpg")
    no_folder = clean_photo_cli(source, tmp_path / "absent" / "out.jpg")
    same = clean_photo_cli(source, tmp_path / "out.jpg", "--review", tmp_path / "out.jpg")

    for result in (missing, no_folder, same):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
    assert "does not exist" in missing.stderr
    assert "create it first" in no_folder.stderr
    assert "same file" in same.stderr
