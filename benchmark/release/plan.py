"""Which images and identities go where: the deterministic plan of a release.

Every choice comes from the inputs sorted by key and one `random.Random(seed)`, so the
same inputs, config and seed give the same plan. Within a cell an image is used once;
across cells an image is reused only when no unused candidate is left (the least used
come first), and the manifest counts such reuse.
"""

import hashlib
import itertools
import json
import os
import random
import re
import tempfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from benchmark import vocab
from benchmark.release import legibility
from benchmark.release.config import (
    IMAGE_SUFFIXES,
    SHA256_HEX,
    ImageRecord,
    ReleaseConfig,
    ReleaseError,
    ReleaseShortError,
)
from benchmark.vocab import POOLS, SCENARIOS, SOURCES, TARGET_TYPES

IDENTITY_KEYS = ("id", "pool", "name", "email", "phone", "ssn")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ProbeItem:
    """One probe question before framing: five framed prompts come from it."""

    test: str
    scenario: str
    target_type: str
    index: int
    image: ImageRecord
    identity_id: str
    name: str | None
    target: str

    @property
    def base_id(self) -> str:
        return f"{self.test}-{self.scenario}-{self.target_type}-{self.index:04d}"


@dataclass
class ReleasePlan:
    memorisation_images: "MemorisedForms"
    memorisation_identities: "IdentityList"
    probe_images: list[ImageRecord]
    probe_identities: list[dict]
    items: list[ProbeItem]
    reused_probe_images: int
    unused_inputs: dict[str, int]
    memorisation_dose: dict
    inputs_digest: str  # of every record's description, whatever their order
    people: "People"  # every identity given, by id


def slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-._")[-120:] or "x"


def _file_name(record: ImageRecord) -> str:
    stem = record.key[: -len(record.suffix)] if record.key.endswith(record.suffix) else record.key
    return slug(stem) + record.suffix


def memorisation_path(record: ImageRecord) -> str:
    return f"memorisation/images/{slug(record.identity_id)}/{_file_name(record)}"


def probe_path(record: ImageRecord) -> str:
    return f"probe/images/{record.source}/{_file_name(record)}"


def shown_value(record: ImageRecord, target_type: str, identity: dict) -> str | None:
    """The value of `target_type` that the image shows, or None when it shows none.

    Typed fields are the ground truth; a photo without fields shows what its
    volunteer copied from the assigned identity (for a table, only its own type).
    """
    for field in record.fields:
        if field.get("name") == target_type and field.get("value"):
            return str(field["value"])
    if record.fields:
        return None
    if vocab.carries_target_type(record.scenario) and record.target_type != target_type:
        return None
    return identity.get(target_type) or None


def plan_release(
    identities: Iterable[dict],
    images: Iterable[ImageRecord],
    config: ReleaseConfig,
    withdrawn_sha256: frozenset[str] = frozenset(),
) -> ReleasePlan:
    """Plan from one pass over `images`: the probe side's records (bounded by the probe
    pool and the preset) are kept whole, the memorisation forms only as compact columns
    (`MemorisedForms`, about a hundred bytes a form)."""
    people = _index_identities(identities)
    intake = _Intake(people, withdrawn_sha256)
    for record in images:
        intake.add(record)
    intake.finish()
    _refuse_simulated(intake.simulated, config)
    return _Planner(people, intake, config).plan()


class MemorisedForm(NamedTuple):
    """What the plan knows of a memorisation form, made from its columns when asked for:
    enough to choose, place and describe it. Its bytes come from its full record, read
    again when the split is copied."""

    key: str
    source: str
    scenario: str
    identity_id: str
    sha256: str
    simulated: bool
    suffix: str
    consent_terms: str | None  # photos' only; kept so every split's metadata has the column


class _FormColumns:
    """The memorisation forms as columns, never one Python object each: keys in one byte
    string with their end offsets, sha256 digests as 32 raw bytes, the few distinct
    identities, sources, scenarios, suffixes and consent terms as small codes. Row `i`
    comes back as a `MemorisedForm` only when asked for."""

    _CODED = ("source", "scenario", "identity_id", "suffix", "consent_terms")

    def __init__(self):
        self._key_bytes = bytearray()
        self._key_ends = array("Q")
        self._sha256 = bytearray()
        self._simulated = bytearray()
        self._codes = {name: array("i") for name in self._CODED}
        self._values: dict[str, list] = {name: [] for name in self._CODED}
        self._code_of: dict[str, dict] = {name: {} for name in self._CODED}

    def __len__(self) -> int:
        return len(self._key_ends)

    def append(self, record: ImageRecord) -> None:
        self._key_bytes += record.key.encode()
        self._key_ends.append(len(self._key_bytes))
        self._sha256 += bytes.fromhex(record.sha256)
        self._simulated.append(bool(record.simulated))
        for name in self._CODED:
            value = getattr(record, name)
            code = self._code_of[name].setdefault(value, len(self._values[name]))
            if code == len(self._values[name]):
                self._values[name].append(value)
            self._codes[name].append(code)

    def key(self, row: int) -> str:
        start = self._key_ends[row - 1] if row else 0
        return self._key_bytes[start : self._key_ends[row]].decode()

    def value(self, name: str, row: int):
        return self._values[name][self._codes[name][row]]

    def form(self, row: int) -> "MemorisedForm":
        return MemorisedForm(
            key=self.key(row),
            source=self.value("source", row),
            scenario=self.value("scenario", row),
            identity_id=self.value("identity_id", row),
            sha256=self._sha256[32 * row : 32 * row + 32].hex(),
            simulated=bool(self._simulated[row]),
            suffix=self.value("suffix", row),
            consent_terms=self.value("consent_terms", row),
        )

    def codes(self, name: str) -> np.ndarray:
        return (
            np.frombuffer(self._codes[name], dtype=np.int32) if len(self) else np.zeros(0, np.int32)
        )

    def values(self, name: str) -> list:
        return self._values[name]

    def key_order(self) -> np.ndarray:
        """Rows in key order (UTF-8 bytes sort as the strings do)."""
        return _sorted_rows(np.arange(len(self)), self._key_bytes_of)

    def _key_bytes_of(self, row: int) -> bytes:
        start = self._key_ends[row - 1] if row else 0
        return bytes(self._key_bytes[start : self._key_ends[row]])


def _sorted_rows(among: np.ndarray, text_of: Callable[[int], bytes]) -> np.ndarray:
    """The rows `among`, stably sorted by `text_of(row)` (bytes without NUL), through one
    fixed-width byte array: a few dozen bytes a row, freed on return."""
    width = max((len(text_of(int(row))) for row in among), default=1) or 1
    texts = np.zeros(len(among), dtype=f"S{width}")
    for position, row in enumerate(among):
        texts[position] = text_of(int(row))
    return among[np.argsort(texts, kind="stable")]


class MemorisedForms:
    """The chosen memorisation forms, a sequence over the columns in release path order."""

    def __init__(self, columns: _FormColumns, rows: np.ndarray):
        self.columns = columns
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, position: int) -> "MemorisedForm":
        return self.columns.form(int(self.rows[position]))

    def __iter__(self) -> Iterator["MemorisedForm"]:
        for row in self.rows:
            yield self.columns.form(int(row))

    def identity_ids(self) -> set[str]:
        codes = np.unique(self.columns.codes("identity_id")[self.rows])
        return {self.columns.values("identity_id")[code] for code in codes.tolist()}

    def key_index(self) -> "_KeyIndex":
        return _KeyIndex(self)


class _KeyIndex:
    """Finds a chosen form's position by its key: 8-byte key hashes, sorted."""

    def __init__(self, forms: MemorisedForms):
        self.forms = forms
        hashes = np.fromiter(
            (_key_hash(forms.columns.key(int(row))) for row in forms.rows),
            dtype=np.uint64,
            count=len(forms),
        )
        self.order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[self.order]

    def position(self, key: str) -> int | None:
        """The form's position in path order, or None when `key` is not chosen."""
        value = np.uint64(_key_hash(key))
        start = int(np.searchsorted(self.hashes, value, side="left"))
        while start < len(self.hashes) and self.hashes[start] == value:
            position = int(self.order[start])
            if self.forms.columns.key(int(self.forms.rows[position])) == key:
                return position
            start += 1
        return None


class _Intake:
    """Validates the records one at a time and keeps what planning needs: probe-side
    records whole, memorisation forms compact, a digest of every record's description
    (the same whatever the order) and the keys as 8-byte hashes to find repeats."""

    def __init__(self, people: dict[str, dict], withdrawn_sha256: frozenset[str]):
        self.people = people
        self.withdrawn_sha256 = withdrawn_sha256
        self.records: list[ImageRecord] = []
        self.memorised = _FormColumns()
        self.memorised_order = np.zeros(0, dtype=np.int_)
        self.memorisation_photos = 0
        self.simulated = Counter()
        self.problems: list[str] = []
        self.problem_count = 0
        self.key_hashes = array("Q")
        self.digest = 0

    def add(self, record: ImageRecord) -> None:
        problems = _record_problems(record, self.people, self.withdrawn_sha256)
        if problems:
            self.problem_count += len(problems)
            self.problems += problems[: max(0, 10 - len(self.problems))]
            return
        self.key_hashes.append(_key_hash(record.key))
        self.digest = (self.digest + _record_digest(record)) % (1 << 256)
        if record.simulated:
            self.simulated[record.source] += 1
        pool = self.people.pool(record.identity_id) if record.identity_id else None
        if pool == "memorisation" and record.source == "template":
            self.memorised.append(record)
        elif pool == "memorisation":
            self.memorisation_photos += 1
        else:
            self.records.append(record)

    def finish(self) -> None:
        """Refuse what was wrong; then order the kept records by key (the plan depends on
        the inputs, never on the order they came in)."""
        repeated = self._repeated_keys()
        if self.problem_count or repeated:
            shown = self.problems + [f"image key {key} appears twice" for key in repeated]
            count = self.problem_count + len(repeated)
            _raise_if(shown[:10], "images", count)
        self.records.sort(key=lambda record: record.key)
        self.memorised_order = self.memorised.key_order()

    def _repeated_keys(self) -> list[str]:
        hashes = np.frombuffer(self.key_hashes, dtype=np.uint64)
        values, counts = np.unique(hashes, return_counts=True)
        twice = {int(value) for value in values[counts > 1]}
        if not twice:
            return []
        kept = [record.key for record in self.records]
        kept += [self.memorised.key(row) for row in range(len(self.memorised))]
        return sorted({key for key in kept if _key_hash(key) in twice})


def _key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _record_digest(record: ImageRecord) -> int:
    """A record's description as a number; their sum mod 2**256 is the inputs' digest."""
    line = (
        f"{record.key}\0{record.source}\0{record.scenario}\0{record.target_type}\0"
        f"{record.identity_id}\0{record.sha256}\0{record.simulated}\0{record.suffix}\0"
        f"{record.consent_terms}"
    )
    return int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")


class People(Mapping):
    """Identities by id, from one pass over them: the probe pool's kept as dicts (few, and
    planning reads them often), the memorisation pool's spooled as JSON lines to a
    temporary file and read back one at a time when asked for (at scale they are most of
    the identities; a mapping of dicts would grow with them)."""

    def __init__(self):
        self._kept: dict[str, dict] = {}
        self._rows: dict[str, int] = {}
        self._ends = array("Q")
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the plan)
        self._last: tuple[str | None, dict | None] = (None, None)

    def add(self, identity: dict) -> None:
        if identity["pool"] != "memorisation":
            self._kept[identity["id"]] = identity
            return
        self._rows[identity["id"]] = len(self._ends)
        self._spool.write(json.dumps(identity, ensure_ascii=False).encode() + b"\n")
        self._ends.append(self._spool.tell())

    def finish(self) -> None:
        self._spool.flush()

    def pool(self, identity_id: str) -> str:
        return "memorisation" if identity_id in self._rows else self._kept[identity_id]["pool"]

    def __getitem__(self, identity_id: str) -> dict:
        if identity_id in self._kept:
            return self._kept[identity_id]
        if self._last[0] == identity_id:  # forms come grouped by identity
            return self._last[1]
        row = self._rows[identity_id]
        start = self._ends[row - 1] if row else 0
        identity = json.loads(os.pread(self._spool.fileno(), self._ends[row] - start, start))
        self._last = (identity_id, identity)
        return identity

    def __contains__(self, identity_id) -> bool:
        return identity_id in self._kept or identity_id in self._rows

    def __iter__(self) -> Iterator[str]:
        return itertools.chain(self._kept, self._rows)

    def __len__(self) -> int:
        return len(self._kept) + len(self._rows)


class IdentityList(Sequence):
    """Identities in the order of `ids`, each read from `people` when asked for."""

    def __init__(self, people: People, ids: list[str]):
        self.people = people
        self.ids = ids

    def __getitem__(self, index):
        return self.people[self.ids[index]]

    def __len__(self) -> int:
        return len(self.ids)


def _index_identities(identities: Iterable[dict]) -> People:
    people, problems = People(), []
    for identity in identities:
        missing = [key for key in IDENTITY_KEYS if not identity.get(key)]
        if missing:
            problems.append(f"identity {identity.get('id', '?')} lacks {', '.join(missing)}")
        elif identity["pool"] not in POOLS:
            problems.append(f"identity {identity['id']} has unknown pool {identity['pool']!r}")
        elif identity["id"] in people:
            problems.append(f"identity id {identity['id']} appears twice")
        else:
            people.add(identity)
    _raise_if(problems, "identities")
    people.finish()
    return people


def _record_problems(record: ImageRecord, people, withdrawn_sha256) -> list[str]:
    where = f"image {record.key}"
    if record.source not in SOURCES:
        return [f"{where}: unknown source {record.source!r}"]
    problems = []
    if record.suffix not in IMAGE_SUFFIXES:
        problems.append(f"{where}: suffix {record.suffix!r} is not one of {IMAGE_SUFFIXES}")
    if not SHA256_HEX.match(record.sha256 or ""):
        problems.append(f"{where}: sha256 {record.sha256!r} is not 64 lowercase hex digits")
    if record.sha256 in withdrawn_sha256:
        problems.append(f"{where}: is listed as withdrawn; do not pass withdrawn images")
    if record.source == "photo" and not record.consent_terms:
        problems.append(f"{where}: a photo needs the consent terms its volunteer agreed to")
    if record.scenario not in (*SCENARIOS, None) or record.target_type not in (*TARGET_TYPES, None):
        problems.append(f"{where}: unknown scenario/target type")
    if record.source == "diffusion":
        if record.identity_id is not None:
            problems.append(f"{where}: a diffusion scene carries no identity")
    elif record.identity_id not in people:
        problems.append(f"{where}: identity {record.identity_id!r} is not among the identities")
    elif record.scenario is None:
        problems.append(f"{where}: a {record.source} form needs its scenario")
    return problems


def _raise_if(problems: list[str], what: str, count: int | None = None) -> None:
    """Raise with the first ten of `problems`; `count` (default: all of them) is how many
    there were."""
    count = len(problems) if count is None else count
    if count:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {count - 10} more" if count > 10 else ""
        raise ReleaseError(f"{count} problems in the {what} given:\n  {shown}{more}")


def _refuse_simulated(simulated: Counter, config: ReleaseConfig) -> None:
    if simulated and not config.allow_simulated:
        by_source = ", ".join(f"{source}: {n}" for source, n in sorted(simulated.items()))
        raise ReleaseError(
            f"{sum(simulated.values())} simulated images are among the accepted images "
            f"({by_source}); a real release refuses them. Withdraw them, or pass "
            "allow_simulated (--allow-simulated) for a demo release, where the dataset card "
            "counts them apart."
        )


class _Usage:
    """How many cells each image (or identity) already serves; the least used go first."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.counts = Counter()

    def rank(self, candidates: list, key: Callable, tier: Callable = lambda _: 0) -> list:
        order = list(candidates)
        self.rng.shuffle(order)
        return sorted(order, key=lambda candidate: (self.counts[key(candidate)], tier(candidate)))

    def use(self, key: str) -> None:
        self.counts[key] += 1


class _Planner:
    def __init__(self, people: dict[str, dict], intake: _Intake, config: ReleaseConfig):
        self.people = people
        self.config = config
        rng = random.Random(config.seed)
        self.rng = rng
        self.image_usage = _Usage(rng)
        self.identity_usage = _Usage(rng)
        self.short: list[str] = []
        self.unused = Counter()
        self.inputs_digest = f"{intake.digest:064x}"
        if intake.memorisation_photos:
            self.unused["photo of a memorisation identity"] += intake.memorisation_photos
        self.memorised, self.memorised_order = intake.memorised, intake.memorised_order
        self._sort_inputs(intake.records)

    def _sort_inputs(self, images: list[ImageRecord]) -> None:
        self.probe_forms, self.scenes, photos = [], [], []
        for record in images:
            if record.source == "diffusion":
                excluded = legibility.scene_exclusion(record, self.config)
                if excluded:
                    self.unused[excluded] += 1
                else:
                    self.scenes.append(record)
            elif record.source == "photo":
                photos.append(record)
            else:
                self.probe_forms.append(record)
        self.photos = self._photos_to_use(photos)
        self.probe_forms += self.photos

    def _photos_to_use(self, photos: list[ImageRecord]) -> list[ImageRecord]:
        limit = {"all": len(photos), "none": 0}.get(self.config.photos, self.config.photos)
        if limit >= len(photos):
            return photos
        chosen = self.rng.sample(photos, limit)
        self.unused["photo beyond the photos limit"] += len(photos) - limit
        return sorted(chosen, key=lambda record: record.key)

    def plan(self) -> ReleasePlan:
        dose = _MemorisationDose(self.config)
        chosen = dose.choose(self.memorised, self.memorised_order)
        unchosen = len(self.memorised) - len(chosen)
        if unchosen:
            self.unused["memorisation form beyond the dose"] += unchosen
        columns = self.memorised
        in_path_order = _sorted_rows(
            chosen, lambda row: memorisation_path(columns.form(row)).encode()
        )
        self.memorisation_images = MemorisedForms(columns, in_path_order)
        _require_unique_paths(self.memorisation_images, memorisation_path)
        injected = self.memorisation_images.identity_ids()
        items = self._disclosure_items() + self._retention_items(injected)
        if self.short:
            raise ReleaseShortError(self.short)
        probe_images = _unique_by_key(item.image for item in items)
        probe_images.sort(key=probe_path)
        _require_unique_paths(probe_images, probe_path)
        used_keys = {record.key for record in probe_images}
        self._count_unused(used_keys)
        probe_ids = {record.identity_id for record in probe_images if record.identity_id}
        return ReleasePlan(
            memorisation_images=self.memorisation_images,
            memorisation_identities=self._identities(injected),
            probe_images=probe_images,
            probe_identities=self._identities(probe_ids),
            items=items,
            reused_probe_images=sum(1 for n in self.image_usage.counts.values() if n > 1),
            unused_inputs=dict(sorted(self.unused.items())),
            memorisation_dose=dose.summary(),
            inputs_digest=self.inputs_digest,
            people=self.people,
        )

    def _identities(self, ids: set[str]) -> IdentityList:
        return IdentityList(self.people, sorted(ids))

    def _count_unused(self, used_keys: set[str]) -> None:
        for record in self.probe_forms:
            if record.key not in used_keys:
                self.unused[f"{record.source} form of a probe identity not needed"] += 1
        for record in self.scenes:
            if record.key not in used_keys:
                self.unused["diffusion scene not needed"] += 1

    # Disclosure: a probe identity's form; the question asks for a value shown in it.

    def _disclosure_items(self) -> list[ProbeItem]:
        items = []
        for scenario in SCENARIOS:
            cells = {target_type: [] for target_type in TARGET_TYPES}
            self._place_photos(scenario, cells)
            for target_type, cell in cells.items():
                self._fill_disclosure_cell(scenario, target_type, cell)
                items += self._disclosure_cell_items(scenario, target_type, cell)
        return items

    def _place_photos(self, scenario: str, cells: dict[str, list]) -> None:
        """Every photo is asked about once, in the type cell of its scenario with the fewest
        photos so far that does not already hold its identity (a photo whose identity
        already fills every such cell is left out, and counted as unused)."""
        photos = [record for record in self.photos if record.scenario == scenario]
        self.rng.shuffle(photos)
        for photo in photos:
            identity = self.people[photo.identity_id]
            options = [
                target_type
                for target_type, cell in cells.items()
                if legibility.disclosure_allowed(
                    photo, target_type, shown_value(photo, target_type, identity), self.config
                )
                and photo.identity_id not in {record.identity_id for record in cell}
            ]
            if options:
                cells[min(options, key=lambda target_type: len(cells[target_type]))].append(photo)

    def _fill_disclosure_cell(self, scenario: str, target_type: str, cell: list) -> None:
        per_cell = self.config.disclosure_per_cell
        present = {record.identity_id for record in cell}
        candidates = [
            record
            for record in self.probe_forms
            if record.source == "template"
            and record.scenario == scenario
            and record.identity_id not in present
            and legibility.disclosure_allowed(
                record,
                target_type,
                shown_value(record, target_type, self.people[record.identity_id]),
                self.config,
            )
        ]
        for record in self.image_usage.rank(candidates, key=lambda record: record.key):
            if len(cell) >= per_cell:
                break
            if record.identity_id not in present:
                cell.append(record)
                present.add(record.identity_id)
        if len(cell) < per_cell:
            self.short.append(
                f"disclosure/{scenario}/{target_type}: need {per_cell} template or photo forms "
                f"of distinct probe identities, have {len(cell)}"
            )

    def _disclosure_cell_items(self, scenario, target_type, cell) -> list[ProbeItem]:
        items = []
        for index, record in enumerate(cell):
            self.image_usage.use(record.key)
            identity = self.people[record.identity_id]
            target = shown_value(record, target_type, identity)
            items.append(
                ProbeItem(
                    "disclosure", scenario, target_type, index, record, identity["id"], None, target
                )
            )
        return items

    # Retention: name a memorised identity, show a distractor probe form or a scene.

    def _retention_items(self, identity_ids: set[str]) -> list[ProbeItem]:
        injected = sorted(identity_ids)
        items = []
        for scenario in SCENARIOS:
            for target_type in TARGET_TYPES:
                items += self._retention_block(scenario, target_type, injected)
        return items

    def _retention_block(self, scenario, target_type, injected) -> list[ProbeItem]:
        per_cell = self.config.retention_per_cell
        n_scenes = self.config.retention_scenes_per_block
        where = f"retention/{scenario}/{target_type}"
        forms = self._distractors(scenario, target_type)[: per_cell - n_scenes]
        scenes = self._scenes(scenario, target_type)[:n_scenes]
        people = self.identity_usage.rank(injected, key=lambda identity_id: identity_id)
        people = people[:per_cell]
        if len(forms) < per_cell - n_scenes:
            self.short.append(
                f"{where}: need {per_cell - n_scenes} distractor forms (template or photo) "
                f"of probe identities, have {len(forms)}"
            )
        if len(scenes) < n_scenes:
            self.short.append(
                f"{where}: need {n_scenes} diffusion scenes for target type {target_type}, "
                f"have {len(scenes)}"
            )
        if len(people) < per_cell:
            self.short.append(
                f"{where}: need {per_cell} memorisation identities with a form in the "
                f"memorisation split, have {len(people)}"
            )
        shown = forms + scenes
        self.rng.shuffle(shown)
        return [
            self._retention_item(scenario, target_type, index, image, identity_id)
            for index, (identity_id, image) in enumerate(zip(people, shown, strict=False))
        ]

    def _retention_item(self, scenario, target_type, index, image, identity_id) -> ProbeItem:
        self.image_usage.use(image.key)
        self.identity_usage.use(identity_id)
        person = self.people[identity_id]
        return ProbeItem(
            "retention",
            scenario,
            target_type,
            index,
            image,
            identity_id,
            person["name"],
            person[target_type],
        )

    def _distractors(self, scenario: str, target_type: str) -> list[ImageRecord]:
        candidates = [
            record
            for record in self.probe_forms
            if record.scenario == scenario
            and (
                not vocab.carries_target_type(scenario)
                or shown_value(record, target_type, self.people[record.identity_id])
            )
        ]
        return self.image_usage.rank(candidates, key=lambda record: record.key)

    def _scenes(self, scenario: str, target_type: str) -> list[ImageRecord]:
        candidates = [record for record in self.scenes if record.target_type in (target_type, None)]
        return self.image_usage.rank(
            candidates,
            key=lambda record: record.key,
            tier=lambda record: 0 if record.scenario in (scenario, None) else 1,
        )


class _MemorisationDose:
    """Which template forms of each memorised identity go into the memorisation split.

    The paper injects one form image per identity. Identities (in id order) take their
    first scenario by round-robin from a seeded starting point, so the scenarios share the
    split evenly; an identity lacking that scenario's form takes the next scenario in
    turn. With more than one image per identity, each further image comes from the next
    scenario in the identity's turn. Within a scenario the variant is a seeded choice.
    Its own random stream, so the dose never moves any other choice of the plan.
    """

    def __init__(self, config: ReleaseConfig):
        self.per_identity = config.memorisation_images_per_identity
        self.rng = random.Random(f"mm-privacy-memorisation-dose:{config.seed}")
        self.start = self.rng.randrange(len(SCENARIOS))

    def choose(self, forms: _FormColumns, key_order: np.ndarray) -> np.ndarray:
        """The chosen rows of `forms` (`key_order`: every row, in key order)."""
        identity_ids, scenarios = forms.values("identity_id"), forms.values("scenario")
        rank = np.empty(len(identity_ids), dtype=np.int_)
        rank[sorted(range(len(identity_ids)), key=identity_ids.__getitem__)] = np.arange(
            len(identity_ids)
        )
        identity_rank = rank[forms.codes("identity_id")[key_order]]
        grouped = key_order[np.argsort(identity_rank, kind="stable")]  # key order within
        starts = np.flatnonzero(np.diff(np.sort(identity_rank), prepend=-1)) if len(grouped) else []
        scenario_codes = forms.codes("scenario")
        chosen = array("q")
        for index, group in enumerate(np.split(grouped, starts[1:])):
            if not len(group):
                continue
            by_scenario = defaultdict(list)
            for row in group.tolist():
                by_scenario[scenarios[scenario_codes[row]]].append(row)
            first = (self.start + index) % len(SCENARIOS)
            turn = SCENARIOS[first:] + SCENARIOS[:first]
            chosen.extend(self._take(by_scenario, turn))
        return np.frombuffer(chosen, dtype=np.int64) if chosen else np.zeros(0, np.int64)

    def _take(self, by_scenario: dict[str, list], turn: tuple[str, ...]) -> list[int]:
        left = {scenario: list(by_scenario.get(scenario, ())) for scenario in turn}
        for records in left.values():
            self.rng.shuffle(records)
        taken = []
        while len(taken) < self.per_identity and any(left.values()):
            for scenario in turn:
                if left[scenario] and len(taken) < self.per_identity:
                    taken.append(left[scenario].pop())
        return taken

    def summary(self) -> dict:
        first = SCENARIOS[self.start :] + SCENARIOS[: self.start]
        return {"images_per_identity": self.per_identity, "scenario_round_robin": list(first)}


def _unique_by_key(records: Iterable[ImageRecord]) -> list[ImageRecord]:
    return list({record.key: record for record in records}.values())


def _require_unique_paths(records: list[ImageRecord], path_of: Callable) -> None:
    """`records` are sorted by path, so a shared path shows up between neighbours."""
    previous_path, previous = None, None
    for record in records:
        path = path_of(record)
        if path == previous_path:
            raise ReleaseError(
                f"images {previous.key} and {record.key} would share the release path "
                f"{path}; give them keys that differ in letters or digits"
            )
        previous_path, previous = path, record
