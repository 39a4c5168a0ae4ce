"""Long values are shrunk, then wrapped, and never cut: too long is an error naming the field."""

import pytest

from benchmark.forms import render_form
from benchmark.forms.render import fit_text
from benchmark.forms.sheet import load_font

LONG_STREET = "12345 " + " ".join(["Extraordinarily Long Memorial Parkway"] * 3)
LONG_EMAIL = "a" * 70 + "@" + "b" * 20 + ".example.com"


@pytest.mark.parametrize("scenario, variant", [("hiring", 0), ("hiring", 1), ("finance", 0)])
@pytest.mark.parametrize("hand", [False, True], ids=["typed", "hand"])
def test_long_values_are_fitted_whole_and_inside_their_area(
    person, render, ink_outside_boxes, scenario, variant, hand
):
    identity = {**person, "street": LONG_STREET, "email": LONG_EMAIL}
    form = render(identity, scenario, variant, hand=hand)
    blank = render(identity, scenario, variant, blank=True)
    area_of = {f.name: f.box for f in blank.fields}
    shown = {f.name: f for f in form.fields}
    for name, value in (("street", LONG_STREET), ("email", LONG_EMAIL)):
        field, area = shown[name], area_of[name]
        assert field.value == value
        assert area[0] <= field.box[0] < field.box[2] <= area[2]
        assert area[1] <= field.box[1] < field.box[3] <= area[3]
    assert ink_outside_boxes(form, blank) == 0


@pytest.mark.parametrize("field_name", ["street", "email", "name"])
def test_a_value_that_cannot_fit_even_wrapped_names_its_field(person, field_name):
    absurd = " ".join(["Supercalifragilistic"] * 400)
    with pytest.raises(ValueError, match=f"field '{field_name}'"):
        render_form({**person, field_name: absurd}, "hiring")


def test_an_unbreakable_token_too_long_for_every_line_is_refused(person):
    with pytest.raises(ValueError, match="field 'ssn'"):
        render_form({**person, "ssn": "9" * 3000}, "open", target_type="ssn")


def test_fitting_shrinks_before_it_wraps():
    font = "sans"
    box = (0, 0, 308, 38)
    text = "x" * 30
    assert load_font(font, 22).getlength(text) > 300 >= load_font(font, 11).getlength(text)
    lines, size = fit_text("demo", text, font, 22, 11, box)
    assert lines == [text] and 11 <= size < 22
    assert load_font(font, size).getlength(text) <= 300 < load_font(font, size + 1).getlength(text)


def test_fitting_wraps_at_spaces_when_shrinking_is_not_enough():
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"
    lines, size = fit_text("demo", text, "sans", 22, 11, (0, 0, 208, 40))
    assert len(lines) == 2 and " ".join(lines) == text
    assert all(load_font("sans", size).getlength(line) <= 200 for line in lines)


def test_fitting_breaks_a_long_word_between_characters():
    text = "q" * 60
    lines, size = fit_text("demo", text, "sans", 22, 11, (0, 0, 208, 40))
    assert len(lines) == 2 and "".join(lines) == text


def test_runs_of_spaces_in_a_value_are_drawn_as_one(person):
    form = render_form({**person, "city": "  New   Port  "}, "hiring")
    assert next(f for f in form.fields if f.name == "city").value == "New Port"
