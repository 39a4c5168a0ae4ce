"""benchmark.commands._args: the argument checks every command shares."""

import argparse

import pytest

from benchmark.cli import CommandError
from benchmark.commands._args import (
    check_out_folder,
    non_negative_int,
    positive_float,
    positive_int,
)


@pytest.mark.parametrize(
    "check, text, expected",
    [
        (positive_int, "1", 1),
        (positive_int, " 12 ", 12),
        (non_negative_int, "0", 0),
        (positive_float, "0.25", 0.25),
        (positive_float, "1e3", 1000.0),
    ],
)
def test_good_values_pass(check, text, expected):
    assert check(text) == expected


@pytest.mark.parametrize(
    "check, text, message",
    [
        (positive_int, "0", "0 is below 1; give 1 or more"),
        (positive_int, "-4", "-4 is negative; give 1 or more"),
        (positive_int, "2.5", "'2.5' is not a whole number"),
        (positive_int, "9" * 5000, "is not a whole number"),
        (non_negative_int, "-1", "-1 is negative; give 0 or more"),
        (non_negative_int, "", "'' is not a whole number"),
        (positive_float, "0", "give a number above 0"),
        (positive_float, "-1.5", "give a number above 0"),
        (positive_float, "nan", "give a number above 0"),
        (positive_float, "inf", "give a number above 0"),
        (positive_float, "soon", "'soon' is not a number"),
    ],
)
def test_bad_values_are_one_clear_message(check, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match="^.{0,200}$") as raised:
        check(text)
    assert message in str(raised.value)


def test_an_out_folder_may_be_absent_or_a_folder_but_not_a_file(tmp_path):
    check_out_folder(tmp_path)
    check_out_folder(tmp_path / "new")
    (tmp_path / "file").write_text("")
    with pytest.raises(CommandError, match="is a file; give a folder"):
        check_out_folder(tmp_path / "file")
