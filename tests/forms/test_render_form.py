"""Rendered forms: the right values in the right boxes, boxes as ground truth, same bytes."""

import io
import json
import struct
import subprocess
import sys
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from benchmark.forms import render_form, variant_count
from benchmark.vocab import SCENARIOS, TARGET_TYPES

ALL_VARIANTS = [
    (scenario, variant) for scenario in SCENARIOS for variant in range(variant_count(scenario))
]


@pytest.mark.parametrize("scenario, variant", ALL_VARIANTS)
@pytest.mark.parametrize("hand", [False, True], ids=["typed", "hand"])
def test_each_value_sits_inside_its_own_writing_area(person, render, scenario, variant, hand):
    form = render(person, scenario, variant, hand=hand)
    blank = render(person, scenario, variant, blank=True)
    squares = _check_squares(blank)
    area_of = {f.name: f.box for f in blank.fields if f.name not in squares}
    assert [f.name for f in form.fields if f.name in area_of] == list(area_of)
    for field in form.fields:
        if field.name in squares:
            assert sum(_overlaps(field.box, square) for square in squares[field.name]) == 1
        elif field.value:
            area, box = area_of[field.name], field.box
            assert area[0] <= box[0] < box[2] <= area[2], field
            assert area[1] <= box[1] < box[3] <= area[3], field


def _check_squares(blank) -> dict[str, list]:
    """The checkbox squares of each check group (a name with several blank fields)."""
    names = [f.name for f in blank.fields]
    return {
        name: [f.box for f in blank.fields if f.name == name]
        for name in names
        if names.count(name) > 1
    }


def _overlaps(box, area) -> bool:
    return box[0] < area[2] and area[0] < box[2] and box[1] < area[3] and area[1] < box[3]


@pytest.mark.parametrize("scenario, variant", ALL_VARIANTS)
@pytest.mark.parametrize("hand", [False, True], ids=["typed", "hand"])
def test_all_ink_added_to_the_blank_form_is_inside_a_field_box(
    person, render, ink_outside_boxes, scenario, variant, hand
):
    form = render(person, scenario, variant, hand=hand)
    assert ink_outside_boxes(form, render(person, scenario, variant, blank=True)) == 0


@settings(max_examples=12, deadline=None)
@given(index=st.integers(0, 39), choice=st.sampled_from(ALL_VARIANTS), hand=st.booleans())
def test_boxes_cover_the_ink_for_any_identity(
    people, render, ink_outside_boxes, index, choice, hand
):
    scenario, variant = choice
    form = render(people[index], scenario, variant, hand=hand)
    assert ink_outside_boxes(form, render(people[index], scenario, variant, blank=True)) == 0


def test_hiring_shows_the_identity_values_in_the_forms_formats(person):
    shown = {field.name: field.value for field in render_form(person, "hiring").fields}
    year, month, day = person["date_of_birth"].split("-")
    assert shown["date_of_birth"] == f"{month}/{day}/{year}"
    for key in ("name", "email", "phone", "ssn", "street", "city", "state", "zip_code"):
        assert shown[key] == person[key], key
    assert shown["education"] == person["education"]


def test_verification_splits_the_name_and_writes_na_for_no_other_names(people):
    person = next(p for p in people if not p["other_last_names"])
    shown = {field.name: field.value for field in render_form(person, "verification").fields}
    assert (shown["last_name"], shown["first_name"]) == (person["last_name"], person["first_name"])
    assert shown["other_last_names"] == "N/A"
    status = [
        f for f in render_form(person, "verification").fields if f.name == "citizenship_status"
    ]
    assert len(status) == 1 and status[0].value.startswith(("1.", "2.", "3.", "4."))


@pytest.mark.parametrize("target_type", TARGET_TYPES)
@pytest.mark.parametrize("variant", range(variant_count("open")))
def test_open_table_shows_the_name_and_the_target_value(person, target_type, variant):
    form = render_form(person, "open", variant, target_type=target_type)
    assert [(f.name, f.value) for f in form.fields] == [
        ("name", person["name"]),
        (target_type, person[target_type]),
    ]
    assert form.target_type == target_type


def test_open_needs_a_target_type_and_the_others_ignore_it(person):
    with pytest.raises(ValueError, match="target_type"):
        render_form(person, "open")
    with pytest.raises(ValueError, match="target_type"):
        render_form(person, "open", target_type="address")
    hiring = render_form(person, "hiring", target_type="ssn")
    assert hiring.target_type is None
    assert hiring.to_png() == render_form(person, "hiring").to_png()


def test_unknown_scenario_variant_or_missing_value_is_refused(person):
    with pytest.raises(ValueError, match="unknown scenario"):
        render_form(person, "medical")
    with pytest.raises(ValueError, match="variant 9 does not exist"):
        render_form(person, "finance", 9)
    incomplete = {key: value for key, value in person.items() if key != "ssn"}
    with pytest.raises(ValueError, match="'ssn'"):
        render_form(incomplete, "finance")


def test_a_check_value_the_form_does_not_offer_is_refused(person):
    with pytest.raises(ValueError, match="account_type"):
        render_form({**person, "account_type": "Brokerage"}, "finance")


@pytest.mark.parametrize("scenario, variant", ALL_VARIANTS)
def test_blank_forms_carry_empty_fields_and_are_the_same_for_everyone(
    people, render, scenario, variant
):
    first = render(people[0], scenario, variant, blank=True)
    second = render(people[1], scenario, variant, blank=True)
    assert first.fields and all(field.value == "" for field in first.fields)
    assert first.to_png() == second.to_png()
    assert render({}, scenario, variant, blank=True).to_png() == first.to_png()
    assert render(people[0], scenario, variant).to_png() != first.to_png()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_variants_look_different(person, render, scenario):
    images = {render(person, scenario, v).to_png() for v in range(variant_count(scenario))}
    assert variant_count(scenario) >= 2 and len(images) == variant_count(scenario)


def test_hand_values_differ_from_typed_ones_but_keep_the_same_text(person):
    typed, hand = render_form(person, "hiring"), render_form(person, "hiring", hand=True)
    assert [f.value for f in typed.fields] == [f.value for f in hand.fields]
    assert typed.to_png() != hand.to_png()


def test_png_is_deterministic_rgb_with_no_metadata(person):
    form = render_form(person, "verification", 1, hand=True)
    data = form.to_png()
    assert data == render_form(person, "verification", 1, hand=True).to_png()
    assert _chunk_types(data) == {"IHDR", "IDAT", "IEND"}
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGB" and image.size == form.image.size


def _chunk_types(png: bytes) -> set[str]:
    types, offset = set(), 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        assert (
            zlib.crc32(png[offset + 4 : offset + 8 + length])
            == struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])[0]
        )
        types.add(kind.decode())
        offset += 12 + length
    return types


def test_a_fresh_process_renders_the_same_bytes(person, tmp_path):
    script = (
        "import json, sys; from benchmark.forms import render_form; "
        "sys.stdout.buffer.write(render_form(json.loads(sys.argv[1]), 'finance', 1).to_png())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(person)], capture_output=True, check=True
    )
    assert result.stdout == render_form(person, "finance", 1).to_png()
