"""benchmark.reading on real images: a rendered form's values are legible, a heavily blurred
copy's are not; a scene's painted phone and email are flagged where they are painted, a
plain scene shows nothing. Each OCR read takes about a second, so each image is read once
(module fixtures) and the rules are also tested on given lines, without OCR."""

import pytest
from PIL import ImageFilter

from benchmark.forms import render_form
from benchmark.identities import make_pools
from benchmark.reading import (
    ENGINE,
    MAX_THREADS,
    ReadingError,
    check_lines,
    engine_threads,
    installed_engine,
    read_check,
)
from benchmark.vocab import TARGET_TYPES
from tests.support.painted_scenes import painted_scene


@pytest.fixture(scope="module")
def identity():
    return make_pools(1, 0, seed=18).memorisation[0]


@pytest.fixture(scope="module")
def form(identity):
    return render_form(identity, "hiring", 0)


@pytest.fixture(scope="module")
def expected(identity):
    return [(target_type, identity[target_type]) for target_type in TARGET_TYPES]


@pytest.fixture(scope="module")
def form_reading(form, expected):
    return read_check(form.image, expected)


def overlaps(box, other) -> bool:
    return box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]


def test_the_engine_named_is_the_one_installed():
    assert installed_engine() == ENGINE


def test_the_engines_threads_are_bounded_and_can_be_set(monkeypatch):
    monkeypatch.delenv("MMP_READING_THREADS", raising=False)
    assert 1 <= engine_threads() <= MAX_THREADS
    monkeypatch.setenv("MMP_READING_THREADS", "3")
    assert engine_threads() == 3
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("MMP_READING_THREADS", wrong)
        with pytest.raises(ReadingError, match="MMP_READING_THREADS"):
            engine_threads()


@pytest.mark.slow
def test_a_rendered_form_has_its_email_phone_and_ssn_read(form_reading, expected):
    assert form_reading["engine"] == ENGINE
    assert [(entry["type"], entry["value"]) for entry in form_reading["expected"]] == expected
    for entry in form_reading["expected"]:
        assert entry["legible"] is True, entry
        assert entry["read"] and 0.5 < entry["confidence"] <= 1
        assert sorted(entry) == ["confidence", "legible", "read", "type", "value"]


@pytest.mark.slow
def test_a_forms_values_are_flagged_as_pii_like_where_they_are_drawn(form, form_reading):
    fields = {field.name: field for field in form.fields if field.name in TARGET_TYPES}
    flagged = {flag["type"]: flag for flag in form_reading["pii_like"]}
    assert sorted(flagged) == sorted(TARGET_TYPES)
    for target_type, field in fields.items():
        assert overlaps(flagged[target_type]["box"], field.box), (target_type, field)
        assert sorted(flagged[target_type]) == ["box", "text", "type"]


def test_nothing_is_legible_on_a_heavily_blurred_copy(form, expected):
    blurred = form.image.filter(ImageFilter.GaussianBlur(7))

    result = read_check(blurred, expected)

    assert [entry["legible"] for entry in result["expected"]] == [False] * len(expected)
    assert result["pii_like"] == []


def test_a_scenes_painted_phone_and_email_are_both_flagged_where_painted():
    image, painted = painted_scene(7, with_pii=True)
    values = [mark for mark in painted if mark.kind]
    assert {"phone", "email"} <= {mark.kind for mark in values}

    flags = read_check(image)["pii_like"]

    for mark in values:
        assert any(
            flag["type"] == mark.kind and overlaps(flag["box"], mark.box) for flag in flags
        ), (mark, flags)


@pytest.mark.slow
def test_a_large_scene_is_read_shrunk_and_its_boxes_given_in_its_own_pixels():
    image, painted = painted_scene(11, with_pii=True)
    large = image.resize((image.width * 3, image.height * 3))  # over the 2000 px read edge
    phone = next(mark for mark in painted if mark.kind == "phone")

    flags = read_check(large)["pii_like"]

    scaled = [coordinate * 3 for coordinate in phone.box]
    assert any(flag["type"] == "phone" and overlaps(flag["box"], scaled) for flag in flags)
    assert all(flag["box"][2] <= large.width and flag["box"][3] <= large.height for flag in flags)


def test_a_plain_scene_with_everyday_text_flags_nothing():
    image, painted = painted_scene(8, with_pii=False)
    assert painted and not any(mark.kind for mark in painted)

    assert read_check(image)["pii_like"] == []


# The rules, on lines as an OCR engine gives them (text, confidence, box).


def lines(*texts):
    return [(text, 0.9, (10, 40 * row, 200, 40 * row + 30)) for row, text in enumerate(texts)]


@pytest.mark.parametrize(
    ("target_type", "value", "read"),
    [
        ("email", "jon12@example.net", "Email:jon12@example.net"),
        ("email", "jon12@example.net", "Emailjon12@example.net"),
        ("email", "jon12@example.net", "jon12 @ example.net"),
        ("email", "jon12@example.net", "JON12@EXAMPLE.NET"),
        ("email", "jon12@example.net", "jonl2@examp1e.net"),
        ("email", "sobrien5387@outlook.com", "SOBRIEN5387@0UTL00K.COM"),
        ("email", "jon12@example.net", "jon12©example.net"),
        ("email", "jon12@example.net", "jon12example.net"),
        ("email", "jon12@example.net", "jon12＠example.net"),
        ("email", "jimmy.perez@example.com", "JIMMYPEREZ@EXAMPLE.COm"),
        ("email", "vphillips5241@icloud.com", "VPHILLIPSS24I@ICLOUD.COM"),
        ("phone", "(848) 720-7483", "(848） 720-7483"),
        ("phone", "571-646-9119", "Phone:571-646-9ll9"),
        ("phone", "571.646.9119 x123", "5716469119"),
        ("ssn", "791-45-7783", "SSN791-45-77B3"),
        ("ssn", "791-45-7783", "SSN: 79I-45-7783"),
    ],
)
def test_a_value_is_legible_whatever_ocrs_usual_slips(target_type, value, read):
    result = check_lines(lines("Applicant", read), [(target_type, value)])

    assert result["expected"][0]["legible"] is True, result


@pytest.mark.parametrize(
    ("target_type", "value", "read"),
    [
        ("ssn", "791-45-7783", "SSN 791-45-778"),
        ("ssn", "791-45-7783", "791-45-77831"),
        ("phone", "571-646-9119", "571-646-9118"),
        ("email", "jon12@example.net", "jon12@example.com"),
        ("email", "jon12@example.net", "jon@example.net"),
    ],
)
def test_a_value_read_wrong_or_in_part_is_not_legible(target_type, value, read):
    result = check_lines(lines(read), [(target_type, value)])

    assert result["expected"][0]["legible"] is False, result


def test_a_value_split_over_two_boxes_on_one_row_is_read_whole():
    split = [("571-646-", 0.95, (10, 10, 100, 40)), ("9119", 0.8, (110, 10, 160, 40))]

    entry = check_lines(split, [("phone", "571-646-9119")])["expected"][0]

    assert entry["legible"] and entry["confidence"] == 0.8


def test_a_value_not_read_reports_what_was_read_of_it():
    entry = check_lines(lines("Phone: 646-9119"), [("phone", "571-646-9119")])["expected"][0]

    assert (entry["legible"], entry["read"]) == (False, "Phone: 646-9119")


def test_a_legible_value_reports_the_line_as_read_slips_and_all():
    """A reviewer sees what the engine read, not the matcher's fragment of it."""
    entry = check_lines(lines("patrick44@example.0rg"), [("email", "patrick44@example.org")])

    assert entry["expected"][0] == {
        "type": "email",
        "value": "patrick44@example.org",
        "legible": True,
        "read": "patrick44@example.0rg",
        "confidence": 0.9,
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("123-45-6789", "ssn"),
        ("123456789", "ssn"),
        ("000-45-6789", None),
        ("666-45-6789", None),
        ("912-45-6789", None),
        ("123-00-6789", None),
        ("123-45-0000", None),
        ("(571) 646-9119", "phone"),
        ("+1 571 646 9119", "phone"),
        ("5716469119", "phone"),
        ("171-646-9119", None),  # area code starts with 1
        ("571-146-9119", None),  # exchange starts with 1
        ("411-646-9119", None),  # N11 is a service code
        ("jane.doe@example.com", "email"),
        ("Email: jane_doe@mail.example.org", "email"),
        ("www.example.org", None),
        ("10/23/1986", None),
        ("Order #58213", None),
        ("$1,234.56", None),
        ("Mon-Fri 9:00-17:00", None),
    ],
)
def test_pii_like_text_is_what_the_patterns_find_and_the_rules_allow(text, kind):
    flagged = check_lines(lines(text))["pii_like"]

    assert [flag["type"] for flag in flagged] == ([kind] if kind else [])
    if kind:
        assert flagged[0]["box"] == [10, 0, 200, 30]


def test_pii_search_can_be_skipped():
    assert check_lines(lines("123-45-6789"), find_pii=False)["pii_like"] == []
