import json
import re

import pytest

from benchmark.cli import main
from benchmark.release_check import reserved_area_code


def write_pools(out, *extra):
    argv = [
        "identities",
        "--memorisation",
        "40",
        "--probe",
        "25",
        "--seed",
        "11",
        "--out",
        str(out),
    ]
    return main([*argv, *extra])


def test_it_writes_both_pools_as_sorted_jsonl(tmp_path, capsys):
    assert write_pools(tmp_path / "ids") == 0
    memorisation = (tmp_path / "ids" / "memorisation.jsonl").read_text().splitlines()
    probe = (tmp_path / "ids" / "probe.jsonl").read_text().splitlines()
    assert len(memorisation) == 40 and len(probe) == 25
    rows = [json.loads(line) for line in memorisation + probe]
    assert all(list(row) == sorted(row) for row in rows)
    assert [row["id"] for row in rows[:2]] == ["mem-000001", "mem-000002"]
    assert rows[40]["id"] == "probe-000001"
    assert "wrote 40 memorisation and 25 probe" in capsys.readouterr().out
    assert not [path for path in (tmp_path / "ids").iterdir() if path.name.startswith(".")]


def test_running_twice_gives_identical_files(tmp_path):
    assert write_pools(tmp_path / "a") == 0
    assert write_pools(tmp_path / "b") == 0
    assert write_pools(tmp_path / "a") == 0
    for name in ("memorisation.jsonl", "probe.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_mixes_take_aliases_or_patterns(tmp_path):
    mix = ["--phone-mix", "paren=1", "--email-mix", "example=2,provider=0"]
    assert write_pools(tmp_path / "ids", *mix) == 0
    for line in (tmp_path / "ids" / "probe.jsonl").read_text().splitlines():
        row = json.loads(line)
        assert re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", row["phone"])
        assert row["email"].split("@")[1].startswith("example.")
    assert write_pools(tmp_path / "b", "--phone-mix", "ddd.ddd.dddd=1") == 0


def test_a_bad_mix_is_one_line_and_exit_2(tmp_path, capsys):
    assert write_pools(tmp_path / "ids", "--phone-mix", "dashes=1") == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: phone_mix: unknown style") and "\n" not in error
    assert not (tmp_path / "ids").exists()


def test_a_malformed_mix_or_count_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        write_pools(tmp_path / "ids", "--email-mix", "example")
    assert exit_info.value.code == 2
    assert "STYLE=WEIGHT" in capsys.readouterr().err
    argv = ["identities", "--memorisation", "-3", "--probe", "1", "--seed", "1", "--out", "x"]
    with pytest.raises(SystemExit):
        main(argv)
    assert "negative" in capsys.readouterr().err


def test_an_out_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert write_pools(tmp_path / "file") == 2
    assert "is a file" in capsys.readouterr().err


def test_paper_sized_pools_are_clean_in_email_local_parts_and_area_codes(tmp_path):
    """`mmprivacy identities --memorisation 1000 --probe 600`: no email local part twice
    (case ignored, across both pools), every phone in an assignable geographic area code."""
    out = tmp_path / "paper"
    argv = ["identities", "--memorisation", "1000", "--probe", "600", "--seed", "7"]
    assert main([*argv, "--out", str(out)]) == 0
    rows = [
        json.loads(line)
        for name in ("memorisation.jsonl", "probe.jsonl")
        for line in (out / name).read_text().splitlines()
    ]
    assert len(rows) == 1600
    local_parts = [row["email"].rpartition("@")[0].lower() for row in rows]
    assert len(set(local_parts)) == len(local_parts)
    area_codes = [re.sub(r"\D", "", row["phone"].split(" x")[0])[:3] for row in rows]
    assert not [code for code in area_codes if reserved_area_code(code)]
    exchanges = [re.sub(r"\D", "", row["phone"].split(" x")[0])[3:6] for row in rows]
    assert "555" not in exchanges
