"""Seeded synthetic identities in disjoint pools (memorisation, probe, ...).

    pools = make_pools(memorisation=1000, probe=600, seed=7)
    pools.memorisation[0]["ssn"]  # '512-08-3391'

Every identity is a dict of strings with these keys:

- `id` ("mem-000001", "probe-000001": pool prefix and 1-based position, stable), `pool`;
- `name` ("First Last"), `first_name`, `last_name`, `middle_initial` ("" or one letter),
  `gender` ("female" | "male"), `date_of_birth` (ISO, aged `min_age`..`max_age` on the
  config's `reference_date`, never on today's date);
- `email` (no two share a local part, case ignored, whatever the domain), `phone` (in a
  geographic area code of the address's state, from `data/area_codes.txt`; never a 555
  exchange), `ssn` ("ddd-dd-dddd");
- `street` (number and street), `unit` ("" or "Apt. 123" / "Suite 123"), `city`,
  `state` (two letters: one of the 50 states or DC), `zip_code` (5 digits, inside the
  state's range), `address` (one line: "street[ unit], city, ST 12345");
- hiring form: `position` (job applied for), `employer` (current employer),
  `desired_salary` ("$62,000"), `available_date` (ISO), `education`;
- verification form: `other_last_names` ("" or a last name), `citizenship_status`
  (one of CITIZENSHIP_STATUSES), `authorization_expires` (ISO, only for
  "authorized_alien", else "");
- finance form: `occupation`, `account_type` (one of ACCOUNT_TYPES),
  `mothers_maiden_name`, `initial_deposit` ("$1,250.00").

Guarantees: the same seed, sizes and config give the same identities byte for byte on
any machine. Nothing reads Faker's global state or calls its (slow) methods: Faker's
en_US provider data (names with their weights, streets, cities, states with their ZIP
ranges, jobs, companies) is sampled by a private `random.Random` per pool, seeded from
the seed and the pool's name. Faker is pinned in requirements.txt because a new
release may change those lists. One `IdentityGenerator` draws every pool and keeps one
set of used values, so no name, email, phone, SSN or address repeats, normalised
(see `benchmark.vocab.normalise`), inside a pool or between pools; a new pool is one
more `draw` call.
A pool's identities depend on the seed, the pool's name and size and the pools drawn
before it (a clash with one of them is redrawn), never on the pools drawn after.
"""

import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from faker.providers.address.en_US import Provider as _Address
from faker.providers.company.en_US import Provider as _Company
from faker.providers.job.en_US import Provider as _Job
from faker.providers.person.en_US import Provider as _Person

from benchmark.vocab import POOLS, UNIQUE_FIELDS

PHONE_STYLES = ("ddd-ddd-dddd", "(ddd) ddd-dddd", "ddd.ddd.dddd", "ddd-ddd-dddd xNNN")
EMAIL_STYLES = ("example", "provider")
CITIZENSHIP_STATUSES = ("citizen", "noncitizen_national", "permanent_resident", "authorized_alien")
ACCOUNT_TYPES = ("Checking", "Savings", "Certificate", "IRA/HSA")
EDUCATION_LEVELS = (
    "High school diploma",
    "Associate degree",
    "Bachelor's degree",
    "Master's degree",
    "Doctorate",
)
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
PROVIDER_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com")
POOL_PREFIXES = dict(zip(POOLS, ("mem", "probe"), strict=True))
# Phones use only these in-service geographic area codes (the file names its source).
AREA_CODES_FILE = Path(__file__).parent / "data" / "area_codes.txt"

# A clash is redrawn; this many clashes in a row means the value space is used up.
_MAX_TRIES = 10_000


@dataclass(frozen=True)
class PoolConfig:
    """How identities look. The mixes are weights over PHONE_STYLES and EMAIL_STYLES
    (styles left out are never drawn). Ages run from `min_age` to `max_age` on
    `reference_date`, a fixed day so that pools never depend on when they are drawn."""

    phone_mix: Mapping[str, float] = field(
        default_factory=lambda: {
            "ddd-ddd-dddd": 0.7,
            "(ddd) ddd-dddd": 0.1,
            "ddd.ddd.dddd": 0.1,
            "ddd-ddd-dddd xNNN": 0.1,
        }
    )
    email_mix: Mapping[str, float] = field(
        default_factory=lambda: {"example": 0.5, "provider": 0.5}
    )
    reference_date: date = date(2025, 1, 1)
    min_age: int = 18
    max_age: int = 80
    locale: str = "en_US"

    def __post_init__(self):
        _check_mix("phone_mix", self.phone_mix, PHONE_STYLES)
        _check_mix("email_mix", self.email_mix, EMAIL_STYLES)
        if self.locale != "en_US":
            raise ValueError(
                f"locale must be en_US (the SSN and phone rules are US ones), got {self.locale!r}"
            )
        if not 0 < self.min_age <= self.max_age < 120:
            raise ValueError(
                "ages must satisfy 0 < min_age <= max_age < 120, "
                f"got {self.min_age}..{self.max_age}"
            )


def _check_mix(name: str, mix: Mapping[str, float], styles: tuple[str, ...]) -> None:
    unknown = sorted(set(mix) - set(styles))
    if unknown:
        raise ValueError(f"{name}: unknown style(s) {unknown}; known: {list(styles)}")
    if any(not _is_weight(weight) for weight in mix.values()):
        raise ValueError(f"{name}: weights must be finite and >= 0, got {dict(mix)}")
    if sum(mix.values()) <= 0:
        raise ValueError(f"{name}: at least one weight must be > 0, got {dict(mix)}")


def _is_weight(weight) -> bool:
    return isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0


@dataclass(frozen=True)
class Pools:
    memorisation: list[dict]
    probe: list[dict]


def make_pools(memorisation: int, probe: int, seed: int, config: PoolConfig | None = None) -> Pools:
    """The memorisation pool, then the probe pool, drawn by one generator."""
    generator = IdentityGenerator(seed, config)
    sizes = dict(zip(POOLS, (memorisation, probe), strict=True))
    return Pools(**{pool: generator.draw(pool, size) for pool, size in sizes.items()})


# Faker's en_US data, sampled by `_Dice` (fast: one float per choice).


class _Dice:
    """Choices from one `random.Random` stream, each taken from a single `random()` float
    (exact in IEEE arithmetic, so the same on every machine, and far faster than
    `randint`/`choices`)."""

    def __init__(self, seed: str):
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def pick(self, options: Sequence):
        return options[int(self.random() * len(options))]

    def weighted(self, weights: "_Weights"):
        return weights.values[bisect_right(weights.cumulative, self.random() * weights.total)]

    def chance(self, share: float) -> bool:
        return self.random() < share


class _Weights:
    def __init__(self, weights: Mapping[str, float]):
        self.values = tuple(weights)
        self.cumulative = tuple(accumulate(weights.values()))
        self.total = self.cumulative[-1]


_FIRST_NAMES = {
    "female": _Weights(_Person.first_names_female),
    "male": _Weights(_Person.first_names_male),
}
_ANY_FIRST_NAME = _Weights({**_Person.first_names_female, **_Person.first_names_male})
_LAST_NAMES = _Weights(_Person.last_names)
_STATES = tuple(_Address.states_abbr)  # the 50 states and DC, no territories
_ZIP_RANGES = {state: _Address.states_postcode[state] for state in _STATES}
_CITIZENSHIP = _Weights(dict(zip(CITIZENSHIP_STATUSES, (0.85, 0.02, 0.08, 0.05), strict=True)))
_ACCOUNTS = _Weights(dict(zip(ACCOUNT_TYPES, (0.5, 0.3, 0.1, 0.1), strict=True)))
_EDUCATION = _Weights(dict(zip(EDUCATION_LEVELS, (0.3, 0.15, 0.35, 0.15, 0.05), strict=True)))


class IdentityGenerator:
    """Draws pools of identities; no unique value repeats across all that it drew."""

    def __init__(self, seed: int, config: PoolConfig | None = None):
        self.seed = seed
        self.config = config or PoolConfig()
        self._used = {name: set() for name in UNIQUE_FIELDS}
        self._drawn: dict[str, int] = {}
        self._phone_styles = _Weights(self.config.phone_mix)
        self._email_styles = _Weights(self.config.email_mix)
        reference = self.config.reference_date
        oldest = _years_before(reference, self.config.max_age + 1) + timedelta(days=1)
        youngest = _years_before(reference, self.config.min_age)
        self._birthdays = _iso_days(oldest, youngest)
        self._start_dates = _iso_days(reference + timedelta(days=7), reference + timedelta(days=90))
        self._expiry_dates = _iso_days(
            reference + timedelta(days=180), reference + timedelta(days=5 * 365)
        )

    def draw(self, pool: str, size: int) -> list[dict]:
        """`size` more identities for `pool`, numbered on from any drawn before."""
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        before = self._drawn.get(pool, 0)
        dice = _Dice(f"mm-privacy:{self.seed}:{pool}:{before}")
        self._drawn[pool] = before + size
        prefix = POOL_PREFIXES.get(pool, pool)
        return [
            self._identity(dice, pool, f"{prefix}-{number:06d}")
            for number in range(before + 1, before + size + 1)
        ]

    def _identity(self, dice: _Dice, pool: str, identity_id: str) -> dict:
        gender = "female" if dice.chance(0.5) else "male"
        first_name, last_name = self._unique("name", lambda: _name(dice, gender))
        identity = {
            "id": identity_id,
            "pool": pool,
            "gender": gender,
            "first_name": first_name,
            "last_name": last_name,
            "name": f"{first_name} {last_name}",
            "middle_initial": _middle_initial(dice, gender),
            "date_of_birth": dice.pick(self._birthdays),
            "email": self._unique("email", lambda: self._email(dice, first_name, last_name)),
        }
        address = self._unique("address", lambda: _address(dice))
        identity["phone"] = self._unique("phone", lambda: self._phone(dice, address["state"]))
        identity["ssn"] = self._unique("ssn", lambda: _ssn(dice))
        identity.update(address)
        identity.update(self._extras(dice, gender, last_name))
        return identity

    def _unique(self, field_name: str, make: Callable[[], tuple]):
        """The first value `make` returns whose key (its normalised form) is still free."""
        used = self._used[field_name]
        for _ in range(_MAX_TRIES):
            value, key = make()
            if key not in used:
                used.add(key)
                return value
        raise ValueError(
            f"could not draw a {field_name} not used before after {_MAX_TRIES} tries: "
            "the value space is used up; draw smaller pools"
        )

    def _email(self, dice: _Dice, first: str, last: str) -> tuple[str, str]:
        if dice.weighted(self._email_styles) == "example":
            email = _example_email(dice, first.lower(), last.lower())
        else:
            email = _provider_email(dice, first, last)
        # Unique by local part, case-insensitively: "Ann.Lee@gmail.com" and
        # "ann.lee@example.org" read as one person's address whatever the domain.
        return email, email.rpartition("@")[0].lower()

    def _phone(self, dice: _Dice, state: str) -> tuple[str, str]:
        area = dice.pick(AREA_CODES[state])
        exchange, line = _exchange(dice), f"{dice.below(10_000):04d}"
        style = dice.weighted(self._phone_styles)
        if style == "(ddd) ddd-dddd":
            phone = f"({area}) {exchange}-{line}"
        elif style == "ddd.ddd.dddd":
            phone = f"{area}.{exchange}.{line}"
        elif style == "ddd-ddd-dddd xNNN":
            phone = f"{area}-{exchange}-{line} x{dice.between(100, 999)}"
        else:
            phone = f"{area}-{exchange}-{line}"
        return phone, area + exchange + line

    def _extras(self, dice: _Dice, gender: str, last_name: str) -> dict:
        status = dice.weighted(_CITIZENSHIP)
        expires = dice.pick(self._expiry_dates)
        return {
            "position": dice.pick(_Job.jobs),
            "employer": _company(dice),
            "desired_salary": f"${dice.between(28, 159) * 1000:,}",
            "available_date": dice.pick(self._start_dates),
            "education": dice.weighted(_EDUCATION),
            "other_last_names": _other_last_name(
                dice, last_name, 0.2 if gender == "female" else 0.03
            ),
            "citizenship_status": status,
            "authorization_expires": expires if status == "authorized_alien" else "",
            "occupation": dice.pick(_Job.jobs),
            "account_type": dice.weighted(_ACCOUNTS),
            "mothers_maiden_name": _other_last_name(dice, last_name, 1.0),
            "initial_deposit": f"${dice.between(4, 799) * 25:,}.00",
        }


def _iso_days(first: date, last: date) -> tuple[str, ...]:
    """Every day from `first` to `last`, inclusive, as ISO text."""
    start = first.toordinal()
    return tuple(
        date.fromordinal(start + n).isoformat() for n in range(last.toordinal() - start + 1)
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _name(dice: _Dice, gender: str) -> tuple[tuple[str, str], str]:
    first, last = dice.weighted(_FIRST_NAMES[gender]), dice.weighted(_LAST_NAMES)
    return (first, last), f"{first} {last}".casefold()


def _middle_initial(dice: _Dice, gender: str) -> str:
    return dice.weighted(_FIRST_NAMES[gender])[0] if dice.chance(0.7) else ""


def _other_last_name(dice: _Dice, last_name: str, share: float) -> str:
    """With probability `share`, a last name other than `last_name`; else ""."""
    if not dice.chance(share):
        return ""
    other = dice.weighted(_LAST_NAMES)
    while other == last_name:
        other = dice.weighted(_LAST_NAMES)
    return other


def _example_email(dice: _Dice, first: str, last: str) -> str:
    form = dice.below(4)
    if form == 0:
        local = f"{last}.{first}"
    elif form == 1:
        local = f"{first}.{last}"
    elif form == 2:
        local = f"{first}{dice.below(100):02d}"
    else:
        local = f"{first[0]}{last}"
    return f"{local}@{dice.pick(EXAMPLE_DOMAINS)}"


def _provider_email(dice: _Dice, first: str, last: str) -> str:
    # The release's style: a name, often capitalised, and digits at a common provider.
    digits = str(dice.between(1, 9999)) if dice.chance(0.8) else ""
    form = dice.below(5)
    if form == 0:
        local = f"{first}{digits}"
    elif form == 1:
        local = f"{last}{digits}"
    elif form == 2:
        local = f"{first.lower()}.{last.lower()}{digits}"
    elif form == 3:
        local = f"{first.lower()}{last.lower()}{digits}"
    else:
        local = f"{first[0].lower()}{last.lower()}{digits}"
    return f"{local}@{dice.pick(PROVIDER_DOMAINS)}"


def _exchange(dice: _Dice) -> str:
    """A central office code: no leading 0 or 1, no N11 service code, not 555 (the
    directory and fictional-number exchange a reader takes for a made-up phone)."""
    while True:
        code = f"{dice.between(2, 9)}{dice.below(10)}{dice.below(10)}"
        if code[1:] != "11" and code != "555":
            return code


def read_area_codes(path: Path = AREA_CODES_FILE) -> dict[str, tuple[str, ...]]:
    """The geographic area codes by state (two letters), from the data file."""
    by_state = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, state = line.split()
            by_state[state].append(code)
    return {state: tuple(codes) for state, codes in sorted(by_state.items())}


AREA_CODES = read_area_codes()


def _ssn(dice: _Dice) -> tuple[str, str]:
    """A syntactically valid SSN: area 001-899 but not 666, group 01-99, serial 0001-9999."""
    area = dice.between(1, 898)
    area = area + 1 if area >= 666 else area
    ssn = f"{area:03d}-{dice.between(1, 99):02d}-{dice.between(1, 9999):04d}"
    return ssn, ssn.replace("-", "")


def _address(dice: _Dice) -> tuple[dict, str]:
    digits = dice.between(3, 5)
    number = dice.between(10 ** (digits - 1), 10**digits - 1)
    name = dice.weighted(_ANY_FIRST_NAME if dice.chance(0.5) else _LAST_NAMES)
    street = f"{number} {name} {dice.pick(_Address.street_suffixes)}"
    unit = f"{dice.pick(('Apt.', 'Suite'))} {dice.between(100, 999)}" if dice.chance(0.3) else ""
    city, state = _city(dice), dice.pick(_STATES)
    zip_code = f"{dice.between(*_ZIP_RANGES[state]):05d}"
    line = f"{street} {unit}" if unit else street
    address = f"{line}, {city}, {state} {zip_code}"
    parts = {
        "street": street,
        "unit": unit,
        "city": city,
        "state": state,
        "zip_code": zip_code,
        "address": address,
    }
    return parts, address.casefold()


def _city(dice: _Dice) -> str:
    form = dice.below(4)
    if form == 3:
        return f"{dice.weighted(_LAST_NAMES)}{dice.pick(_Address.city_suffixes)}"
    first = dice.weighted(_ANY_FIRST_NAME)
    if form == 2:
        return f"{first}{dice.pick(_Address.city_suffixes)}"
    prefix = dice.pick(_Address.city_prefixes)
    if form == 1:
        return f"{prefix} {first}"
    return f"{prefix} {first}{dice.pick(_Address.city_suffixes)}"


def _company(dice: _Dice) -> str:
    form = dice.below(3)
    first, second = dice.weighted(_LAST_NAMES), dice.weighted(_LAST_NAMES)
    if form == 0:
        return f"{first} {dice.pick(_Company.company_suffixes)}"
    if form == 1:
        return f"{first}-{second}"
    return f"{first}, {second} and {dice.weighted(_LAST_NAMES)}"
