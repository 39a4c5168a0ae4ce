"""Format mixes and the normalisation that makes formats compare equal."""

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.identities import (
    EXAMPLE_DOMAINS,
    PHONE_STYLES,
    PROVIDER_DOMAINS,
    PoolConfig,
    make_pools,
)
from benchmark.vocab import normalise

STYLE_PATTERNS = {
    "ddd-ddd-dddd": r"\d{3}-\d{3}-\d{4}",
    "(ddd) ddd-dddd": r"\(\d{3}\) \d{3}-\d{4}",
    "ddd.ddd.dddd": r"\d{3}\.\d{3}\.\d{4}",
    "ddd-ddd-dddd xNNN": r"\d{3}-\d{3}-\d{4} x\d{3}",
}


def style_of(phone: str) -> str:
    return next(style for style, pattern in STYLE_PATTERNS.items() if re.fullmatch(pattern, phone))


@pytest.mark.parametrize("style", PHONE_STYLES)
def test_a_single_phone_style_gives_only_that_style(style):
    people = make_pools(300, 0, seed=1, config=PoolConfig(phone_mix={style: 1})).memorisation
    assert {style_of(person["phone"]) for person in people} == {style}


def test_the_phone_mix_sets_the_shares():
    mix = {"ddd-ddd-dddd": 1, "ddd.ddd.dddd": 1}
    people = make_pools(3000, 0, seed=2, config=PoolConfig(phone_mix=mix)).memorisation
    counts = Counter(style_of(person["phone"]) for person in people)
    assert set(counts) == set(mix)
    assert 0.45 < counts["ddd.ddd.dddd"] / 3000 < 0.55


def test_the_default_mix_is_mostly_dashes_with_every_other_style():
    counts = Counter(
        style_of(person["phone"]) for person in make_pools(2000, 0, seed=3).memorisation
    )
    assert set(counts) == set(PHONE_STYLES)
    assert counts["ddd-ddd-dddd"] > 1000


def test_example_style_emails_use_example_domains_only():
    config = PoolConfig(email_mix={"example": 1})
    for person in make_pools(300, 0, seed=4, config=config).memorisation:
        assert person["email"].rsplit("@", 1)[1] in EXAMPLE_DOMAINS


def test_provider_style_emails_are_name_and_digits_at_common_providers():
    config = PoolConfig(email_mix={"provider": 1})
    people = make_pools(500, 0, seed=5, config=config).memorisation
    for person in people:
        local, domain = person["email"].rsplit("@", 1)
        assert domain in PROVIDER_DOMAINS
        letters = re.sub(r"[\d.]", "", local).lower()
        first, last = person["first_name"].lower(), person["last_name"].lower()
        assert letters in (first, last, first + last, first[0] + last), person["email"]
    assert any(re.search(r"\d@", person["email"]) for person in people)


def test_the_default_email_mix_has_both_styles():
    domains = {
        person["email"].rsplit("@", 1)[1] for person in make_pools(400, 0, seed=6).memorisation
    }
    assert domains & set(EXAMPLE_DOMAINS) and domains & set(PROVIDER_DOMAINS)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"phone_mix": {"ddd ddd dddd": 1}}, "unknown style"),
        ({"phone_mix": {"ddd-ddd-dddd": -1}}, ">= 0"),
        ({"email_mix": {"example": 0}}, "> 0"),
        ({"email_mix": {"example": float("nan")}}, "finite"),
        ({"locale": "fr_FR"}, "en_US"),
        ({"min_age": 30, "max_age": 20}, "min_age"),
    ],
)
def test_a_bad_config_is_refused_with_the_reason(config, message):
    with pytest.raises(ValueError, match=message):
        PoolConfig(**config)


def test_a_negative_pool_size_is_refused():
    with pytest.raises(ValueError, match=">= 0"):
        make_pools(-1, 0, seed=1)


@pytest.mark.parametrize(
    "spelling",
    ["415-555-0132", "(415) 555-0132", "415.555.0132", "415 555 0132", "+1 415-555-0132",
     "1-415-555-0132", "415-555-0132 x204", "(415) 555-0132 ext. 9", "415.555.0132 #12"],
)  # fmt: skip
def test_phone_spellings_normalise_to_the_ten_digits(spelling):
    assert normalise("phone", spelling) == "4155550132"


def test_ssn_email_and_text_normalisation():
    assert normalise("ssn", " 512 08 3391 ") == normalise("ssn", "512-08-3391") == "512083391"
    assert normalise("email", "  Sheila95@Outlook.COM ") == "sheila95@outlook.com"
    assert normalise("name", "  Mary   ANN  Smith ") == "mary ann smith"
    assert normalise("address", "12 Oak St ,  Springfield,IL 62701.") == (
        "12 oak st, springfield, il 62701"
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), style=st.sampled_from(PHONE_STYLES))
def test_every_style_of_a_drawn_phone_normalises_the_same(seed, style):
    person = make_pools(1, 0, seed, PoolConfig(phone_mix={style: 1})).memorisation[0]
    digits = normalise("phone", person["phone"])
    respelled = [
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        f"+1.{digits[:3]}.{digits[3:6]}.{digits[6:]}",
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]} x123",
    ]
    assert {normalise("phone", phone) for phone in respelled} == {digits}
