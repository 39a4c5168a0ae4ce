"""The check holds the manifest's file list as sorted 16-byte digests: a digest that ends in
zero bytes (numpy drops them from an element it returns) still matches its file, and both
layouts of the list (one entry per line, or the whole document on one line) read alike."""

import hashlib
import itertools
import json

import pytest

from benchmark.release_check import _entry_digest, _Manifest


def _files_whose_digest_ends_in_zero(count: int) -> list[dict]:
    files = []
    for number in itertools.count():
        path = f"probe/images/template/f{number}.png"
        sha256 = hashlib.sha256(path.encode()).hexdigest()
        if _entry_digest(path, 10, sha256).endswith(b"\0") or len(files) < count // 2:
            files.append({"path": path, "sha256": sha256, "size": 10})
        if len(files) == count:
            return files


def _write(path, files, one_line: bool) -> None:
    if one_line:
        path.write_text(json.dumps({"files": files, "version": "1.0.0"}))
        return
    entries = ",\n".join(json.dumps(entry, sort_keys=True) for entry in files)
    path.write_text(f'{{\n"files": [\n{entries}\n],\n"version": "1.0.0"\n}}\n')


@pytest.mark.parametrize("one_line", [False, True])
def test_every_listed_file_is_matched_once_whatever_its_digest(tmp_path, one_line):
    files = _files_whose_digest_ends_in_zero(8)
    assert any(_entry_digest(f["path"], 10, f["sha256"]).endswith(b"\0") for f in files)
    _write(tmp_path / "manifest.json", files, one_line)
    manifest = _Manifest(tmp_path / "manifest.json")

    for entry in files[1:]:
        manifest.see(entry["path"], entry["size"], entry["sha256"])
    manifest.see(files[1]["path"], 10, files[1]["sha256"])  # a second sighting differs

    assert (manifest.count, manifest.version) == (8, "1.0.0")
    assert list(manifest.problems()) == [
        (
            "changed file",
            f"{files[1]['path']} has size 10 and sha256 {files[1]['sha256']}, "
            f"the manifest says 10 and {files[1]['sha256']}",
        ),
        ("missing file", f"{files[0]['path']} is in the manifest but not in the release"),
    ]


def test_a_file_listed_twice_is_refused(tmp_path):
    files = _files_whose_digest_ends_in_zero(2)
    _write(tmp_path / "manifest.json", [files[0], files[1], files[0]], one_line=False)
    with pytest.raises(ValueError, match="once"):
        _Manifest(tmp_path / "manifest.json")
