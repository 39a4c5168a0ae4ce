"""The release check compares values with its own normaliser; it must join and separate
values exactly as the generator's (`benchmark.vocab.normalise`) does, over every way the
generator or a person could write them: never merging two values the generator keeps
apart (a false alarm), never separating two it treats as one (a missed clash)."""

from functools import cache, partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark import release_check, vocab
from benchmark.identities import make_pools

SPACES = ("", " ", "  ", "\t", "\n", "\u00a0")
DASHES = ("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212")


def _in_spaces(value: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.sampled_from(SPACES), value, st.sampled_from(SPACES)).map("".join)


def _any_case(text: str) -> st.SearchStrategy:
    """`text` with any of its letters in upper case (bit i of the mask: letter i)."""
    return st.integers(0, 2 ** len(text) - 1).map(
        lambda mask: "".join(c.upper() if mask >> i & 1 else c.lower() for i, c in enumerate(text))
    )


# Phones: few line numbers (so that two draws are often the same phone), every spelling.
PHONE_NUMBERS = st.tuples(
    st.sampled_from(("415", "212", "800")),
    st.sampled_from(("555", "556")),
    st.sampled_from(("0100", "0101", "1000")),
)
PHONE_SEPARATORS = st.sampled_from(("", " ", ".", "  ", " - ", *DASHES))
COUNTRY_CODES = st.sampled_from(("", "1", "1 ", "1-", "1.", "+1", "+1 ", "+1-", "+1.", "+1\u2013"))
EXTENSIONS = st.tuples(
    st.sampled_from(("", " ", "  ")),
    st.sampled_from(("x", "X", "ext", "ext.", "Ext.", "EXT", "extension", "Extension", "#")),
    st.sampled_from(("", " ")),
    st.sampled_from(("1", "12", "123", "0100")),
).map("".join)


@st.composite
def phone_spellings(draw, number: tuple[str, str, str]) -> str:
    area, exchange, line = number
    if draw(st.booleans()):
        area = f"({area})" + draw(st.sampled_from(("", " ")))
    else:
        area += draw(PHONE_SEPARATORS)
    spelled = f"{draw(COUNTRY_CODES)}{area}{exchange}{draw(PHONE_SEPARATORS)}{line}"
    return spelled + draw(st.one_of(st.just(""), EXTENSIONS))


EMAILS = st.tuples(
    st.sampled_from(("jane.doe", "jane.doe42", "j_doe+work")),
    st.sampled_from(("example.com", "example.org", "gmail.com")),
).map("@".join)
SSNS = st.tuples(st.sampled_from(("123", "512")), st.just("45"), st.sampled_from(("6789", "6780")))
SSN_SEPARATORS = st.sampled_from(("-", "", " ", ".", " - ", *DASHES))


@st.composite
def ssn_spellings(draw, groups: tuple[str, str, str]) -> str:
    area, group, serial = groups
    return f"{area}{draw(SSN_SEPARATORS)}{group}{draw(SSN_SEPARATORS)}{serial}"


@cache
def _texts() -> dict[str, tuple[str, ...]]:
    """Names and addresses as the generator writes them, and a few written by hand."""
    pools = make_pools(8, 8, seed=5)
    people = pools.memorisation + pools.probe
    return {
        "name": (*(p["name"] for p in people), "Anne-Marie O'Neil", "Jo Li", "Jo  Li Jr."),
        "address": (
            *(p["address"] for p in people),
            "12 Main St, Apt. 3, Springfield, IL 62704",
            "12 Main St Apt. 3, Springfield, IL 62704",
            "12 Main St, Springfield, IL 62704",
        ),
    }


COMMAS = st.sampled_from((",", ", ", " ,", " , ", ",  ", " ,\t"))
GAPS = st.sampled_from((" ", "  ", "\t", "\u00a0"))
TRAILING = st.sampled_from(("", ".", ",", ";", " .", ". ", " ;", "..", " . ;", ",."))


@st.composite
def text_spellings(draw, text: str) -> str:
    """A name or address with its case, gaps, commas and ending spelled anew."""
    words = text.replace(",", " ,").split()
    spelled = words[0]
    for word in words[1:]:
        if word == ",":
            spelled += draw(COMMAS)
        else:
            spelled += ("" if spelled.endswith(",") else draw(GAPS)) + word
    return draw(_any_case(spelled)) + draw(TRAILING)


# Per field: the values (few, so that two draws often meet) and how one value is spelled.
VALUES = {
    "phone": (PHONE_NUMBERS, phone_spellings),
    "email": (EMAILS, _any_case),
    "ssn": (SSNS, ssn_spellings),
    "name": (st.deferred(lambda: st.sampled_from(_texts()["name"])), text_spellings),
    "address": (st.deferred(lambda: st.sampled_from(_texts()["address"])), text_spellings),
}


def _spelled(field: str, value) -> st.SearchStrategy[str]:
    return _in_spaces(VALUES[field][1](value))


FIELDS = st.sampled_from(vocab.UNIQUE_FIELDS)
# Two spellings of two values (often the same one) of one field.
PAIRS = FIELDS.flatmap(
    lambda field: st.tuples(
        st.just(field),
        VALUES[field][0].flatmap(partial(_spelled, field)),
        VALUES[field][0].flatmap(partial(_spelled, field)),
    )
)
# Two spellings of one value.
SAME_VALUE_PAIRS = FIELDS.flatmap(
    lambda field: VALUES[field][0].flatmap(
        lambda value: st.tuples(st.just(field), _spelled(field, value), _spelled(field, value))
    )
)


@settings(max_examples=400)
@given(SAME_VALUE_PAIRS)
def test_every_spelling_of_one_value_is_one_value_to_the_generator_and_the_check(pair):
    field, first, second = pair
    assert vocab.normalise(field, first) == vocab.normalise(field, second), pair
    assert release_check.normalise(field, first) == release_check.normalise(field, second), pair


@pytest.mark.slow
@settings(max_examples=1500)
@given(PAIRS)
def test_the_check_joins_exactly_the_values_the_generator_joins(pair):
    field, first, second = pair
    generator_same = vocab.normalise(field, first) == vocab.normalise(field, second)
    check_same = release_check.normalise(field, first) == release_check.normalise(field, second)
    assert check_same == generator_same, (field, first, second)


@settings(max_examples=300)
@given(st.sampled_from(("415-555-0100", "(415) 555-0100", "415.555.0100")), EXTENSIONS)
def test_an_extension_is_not_part_of_the_phone(phone, extension):
    assert release_check.normalise("phone", phone + extension) == "4155550100"


def test_the_values_the_issue_found_now_compare_as_the_generator_compares_them():
    for field, first, second in [
        ("phone", "415-555-0100 #12", "415-555-0100"),
        ("phone", "+1 (415) 555-0100 ext. 12", "415.555.0100"),
        ("phone", "415\u2013555\u20130100", "4155550100"),
        ("address", "12 Main St , Springfield", "12 main st, springfield"),
        ("name", "Jo Li . ;", "jo li"),
    ]:
        assert release_check.normalise(field, first) == release_check.normalise(field, second)
        assert vocab.normalise(field, first) == vocab.normalise(field, second)
