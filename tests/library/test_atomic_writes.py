"""benchmark.files writes: a reader, a failure or a crash never sees half a file or folder."""

import json
import os
import stat
import threading

import pytest

from benchmark.files import (
    atomic_write_bytes,
    atomic_write_files,
    atomic_write_json,
    atomic_write_text,
    json_line,
    staged_folder,
)


def leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_it_writes_and_replaces_a_file_leaving_nothing_beside_it(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, [b"sec", b"", b"ond"])
    assert target.read_bytes() == b"second"
    assert leftovers(tmp_path) == []


def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "pools.jsonl"
    target.write_bytes(b"old\n")

    def chunks():
        yield b"new line\n"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, chunks())
    assert target.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_several_files_are_all_written_or_none_is(tmp_path):
    first, second = tmp_path / "a.jpg", tmp_path / "missing-folder" / "b.jpg"
    first.write_bytes(b"old")
    with pytest.raises(FileNotFoundError):
        atomic_write_files({first: b"new", second: b"new"})
    assert first.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_the_mode_is_the_one_asked_for_and_text_and_json_are_utf8(tmp_path):
    atomic_write_text(tmp_path / "key", "s\u00e9cret\n", mode=0o600)
    assert stat.S_IMODE(os.stat(tmp_path / "key").st_mode) == 0o600
    assert (tmp_path / "key").read_bytes() == "s\u00e9cret\n".encode()
    atomic_write_json(tmp_path / "v.json", {"b": [1, 2], "a": "\u00e9"})
    text = (tmp_path / "v.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"a": "\u00e9", "b": [1, 2]}
    assert text.index('"a"') < text.index('"b"') and text.endswith("\n")


def test_json_line_is_canonical_one_line_and_writes_dates_as_text():
    import datetime

    line = json_line({"z": "a\nb", "a": datetime.date(1990, 2, 3)})
    assert line == b'{"a": "1990-02-03", "z": "a\\nb"}\n'
    assert line.count(b"\n") == 1


def test_a_reader_never_sees_half_a_file(tmp_path):
    """One thread keeps replacing a 2 MB file with all-a or all-b contents; every read
    of the other thread sees one whole version."""
    target = tmp_path / "big"
    versions = [b"a" * 2_000_000, b"b" * 2_000_000]
    atomic_write_bytes(target, versions[0])
    stop = threading.Event()

    def writer():
        count = 0
        while not stop.is_set():
            count += 1
            atomic_write_bytes(target, versions[count % 2])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = {target.read_bytes() for _ in range(200)}
    finally:
        stop.set()
        thread.join()
    assert seen <= set(versions)


def test_a_staged_folder_appears_whole_and_replaces_what_was_there(tmp_path):
    target = tmp_path / "render"
    with staged_folder(target) as staging:
        (staging / "a.png").write_bytes(b"1")
        assert not target.exists()
    assert sorted(path.name for path in target.iterdir()) == ["a.png"]
    with staged_folder(target) as staging:
        (staging / "b.png").write_bytes(b"2")
        assert (target / "a.png").exists()
    assert sorted(path.name for path in target.iterdir()) == ["b.png"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert leftovers(tmp_path) == []


def test_an_error_inside_a_staged_folder_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "scenes"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    with pytest.raises(RuntimeError), staged_folder(target) as staging:
        (staging / "half.png").write_bytes(b"x")
        raise RuntimeError("interrupted")
    assert [path.name for path in target.iterdir()] == ["keep.txt"]
    assert leftovers(tmp_path) == []
