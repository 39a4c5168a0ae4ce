"""Build a release under a staging folder, check it independently, publish it in one step.

The sink's staging folder (`<out_dir>.staging-<version>` for a folder) holds `release/`
(the files being built) and `state/` (one marker per finished file group, listing its
files). A rerun with the
same inputs skips finished groups and images already copied, so a killed export resumes;
different inputs start the staging folder afresh. Nothing appears at `out_dir` until the
check has passed and the staging folder is renamed.
"""

import fcntl
import hashlib
import heapq
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

import benchmark
from benchmark.files import atomic_write_bytes
from benchmark.parallel import ordered_map
from benchmark.prompts import DEFAULT_TEMPLATES, PromptTemplateError, load_templates
from benchmark.release import legibility, tables
from benchmark.release.card import dataset_card
from benchmark.release.config import (
    SHA256_HEX,
    ImageRecord,
    ReleaseCheckFailed,
    ReleaseConfig,
    ReleaseError,
    ReleaseExistsError,
)
from benchmark.release.croissant import JSONL_FILES, croissant_metadata
from benchmark.release.plan import ReleasePlan, memorisation_path, plan_release, probe_path
from benchmark.release.sink import FileEntry, LocalSink, ReleaseSink
from benchmark.release_check import check_release

Progress = Callable[[int, int, str], None]
FORMAT = "mm-privacy-release/1"
CHECK_REPORT = "CHECK-FAILED.txt"


def build_release(
    identities: Iterable[dict],
    images: Iterable[ImageRecord],
    config: ReleaseConfig,
    destination: str | Path | ReleaseSink,
    *,
    progress: Progress | None = None,
    withdrawn: list[dict] | None = None,
    prompt_templates: str | Path | None = None,
    label_template: str | Path | None = None,
) -> dict:
    """Build, check and publish a release at `destination` (a folder, or any sink);
    returns its manifest without the file list, plus `manifest_sha256` (the sha256 of
    manifest.json).

    `images` is read twice when it can be iterated afresh (a list, or a re-iterable such
    as a streamed query): the plan keeps memorisation forms compact and reads their records
    again to copy them, so memory stays flat however large that split; a one-pass iterator
    is read into a list first. `identities` is read once (a one-pass iterator will do): the
    plan keeps the memorisation pool's in a spool file. `withdrawn` lists images withdrawn
    since the previous version (`sha256`, `reason`).
    Raises ReleaseShortError when cells cannot be filled, ReleaseCheckFailed when the
    independent check refuses the staged files, ReleaseExistsError when the destination
    holds another published release; a release already published from the same inputs
    is returned as it is.
    """
    if not isinstance(destination, ReleaseSink):
        destination = LocalSink(destination, config.version)
    builder = _Builder(
        config,
        destination,
        progress or (lambda done, total, message: None),
        _Templates(prompt_templates, label_template),
    )
    return builder.run(identities, images, _validated_withdrawals(withdrawn or []))


class _Templates:
    def __init__(self, prompt_path, label_path):
        self.prompt_path = Path(prompt_path or DEFAULT_TEMPLATES)
        self.label_path = Path(label_path or tables.DEFAULT_LABEL_TEMPLATE)
        try:
            self.prompt_bytes = self.prompt_path.read_bytes()
            self.label_bytes = self.label_path.read_bytes()
        except OSError as error:
            raise ReleaseError(f"cannot read a template file: {error}") from error
        try:
            self.prompts = load_templates(self.prompt_path)
        except PromptTemplateError as error:
            raise ReleaseError(str(error)) from error
        self.label = self.label_bytes.decode("utf-8").strip()


def _validated_withdrawals(withdrawn: list[dict]) -> list[dict]:
    for entry in withdrawn:
        if not SHA256_HEX.match(str(entry.get("sha256", ""))) or not entry.get("reason"):
            raise ReleaseError(f"withdrawal {entry!r} needs a 64-hex-digit sha256 and a reason")
    return sorted(withdrawn, key=lambda entry: json.dumps(entry, sort_keys=True))


class _Staging:
    """Resume state: which file groups are finished, and for which inputs. Held under an
    exclusive lock, so two exports of one version never write the same folder."""

    def __init__(self, root: Path, fingerprint: str):
        self.root = root
        self.state = root / "state"
        self.state.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.state / "lock", os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise ReleaseError(f"another export is writing {root}; wait for it to finish") from None
        marker = self.state / "input_sha256"
        self.resumed = marker.is_file() and marker.read_text() == fingerprint
        if not self.resumed:
            self._clear()
        marker.write_text(fingerprint)
        (root / CHECK_REPORT).unlink(missing_ok=True)

    def _clear(self) -> None:
        """Forget a staged build of other inputs (keeping the lock we hold)."""
        for path in [*self.root.iterdir(), *self.state.iterdir()]:
            if path.is_dir() and path != self.state:
                shutil.rmtree(path)
            elif path.is_file() and path.name != "lock":
                path.unlink()

    def __enter__(self) -> "_Staging":
        return self

    def __exit__(self, *exc_info) -> None:
        os.close(self._lock)

    def marker(self, group: str) -> Path:
        return self.state / f"{group}.complete"

    def entries(self, group: str) -> Iterator[FileEntry]:
        """The group's files in path order, one "size sha256 path" line each (release
        paths hold no spaces or line breaks)."""
        with open(self.marker(group), encoding="utf-8") as lines:
            for line in lines:
                size, sha256, path = line.rstrip("\n").split(" ", 2)
                yield FileEntry(path, int(size), sha256)

    def write_group(self, group: str, entries: Iterable[FileEntry]) -> None:
        lines = (f"{entry.size} {entry.sha256} {entry.path}\n".encode() for entry in entries)
        atomic_write_bytes(self.marker(group), lines)


class _Builder:
    def __init__(self, config, sink: ReleaseSink, progress, templates):
        self.config = config
        self.sink = sink
        self.staging_root = sink.staging_root
        self.progress = progress
        self.templates = templates
        self.done = 0
        self.total = 0

    def run(self, identities, images, withdrawn) -> dict:
        if isinstance(images, Iterator):  # one pass only: the memorisation split reads again
            images = list(images)
        plan = plan_release(
            identities, images, self.config, frozenset(entry["sha256"] for entry in withdrawn)
        )
        tables.check_labels(plan, self.templates.label)
        fingerprint = self._fingerprint(plan, withdrawn)
        published = self.sink.published_manifest()
        if published is not None:
            return self._already_published(published, fingerprint)
        with _Staging(self.staging_root, fingerprint) as staging:
            manifest = self._stage(staging, plan, images, withdrawn, fingerprint)
            del plan  # the check reads the staged files: the plan's memory goes back first
            self._check()
            self.sink.publish()
        shutil.rmtree(self.staging_root, ignore_errors=True)
        self._report(self.total, f"published release {self.config.version}")
        return manifest

    def _stage(self, staging, plan, images, withdrawn, fingerprint) -> dict:
        table_files = self._tables(plan, plan.people, withdrawn)
        card_and_manifest = 3
        images_count = len(plan.memorisation_images) + len(plan.probe_images)
        self.total = 2 * (images_count + len(table_files) + card_and_manifest)
        self._memorisation_images(staging, plan, images)
        self._images(staging, "probe-images", plan.probe_images, probe_path)
        self._text_group(staging, "tables", table_files)
        counts = {
            **tables.release_counts(plan, self.config),
            "withdrawals": tables.withdrawal_counts(withdrawn),
        }
        self._text_group(staging, "card", self._card(plan, staging, counts))
        return self._write_manifest(staging, fingerprint, counts)

    def _report(self, done: int, message: str) -> None:
        self.done = done
        self.progress(done, self.total, message)

    def _fingerprint(self, plan: ReleasePlan, withdrawn) -> str:
        """A digest of everything the release's bytes depend on."""
        digest = hashlib.sha256()
        header = {
            "code_version": benchmark.__version__,
            "config": self.config.to_dict(),
            "label_template": hashlib.sha256(self.templates.label_bytes).hexdigest(),
            "prompt_templates": hashlib.sha256(self.templates.prompt_bytes).hexdigest(),
            "withdrawn": withdrawn,
        }
        digest.update(tables.json_line(header))
        for identity in itertools.chain(plan.memorisation_identities, plan.probe_identities):
            digest.update(tables.json_line(identity))
        digest.update(plan.inputs_digest.encode())
        for record in plan.probe_images:
            reading = legibility.reading_row(record, "")
            digest.update(
                tables.json_line({"f": record.fields, "p": record.provenance, "r": reading})
            )
        return digest.hexdigest()

    def _already_published(self, published: bytes, fingerprint: str) -> dict:
        manifest = json.loads(published)
        where = self.sink.name
        if manifest.get("version") != self.config.version:
            raise ReleaseExistsError(
                f"{where} holds release {manifest.get('version')}; published releases are "
                f"immutable: export {self.config.version} to a new folder"
            )
        if manifest.get("input_sha256") != fingerprint:
            raise ReleaseExistsError(
                f"{where} already holds release {self.config.version} built from other inputs "
                "or settings; published releases are immutable: choose a new version"
            )
        shutil.rmtree(self.staging_root, ignore_errors=True)
        self.progress(1, 1, f"already published: release {self.config.version} at {where}")
        manifest.pop("files")
        return {**manifest, "manifest_sha256": hashlib.sha256(published).hexdigest()}

    def _memorisation_images(self, staging: _Staging, plan: ReleasePlan, images) -> None:
        """The plan keeps memorisation forms compact: read the chosen ones' records again,
        copy them in the order they come, list them in path order (from the plan's columns
        and one size each: no entry object per image)."""
        group, chosen = "memorisation-images", plan.memorisation_images
        if staging.marker(group).exists():
            self._report(self.done + len(chosen), f"{group}: already staged")
            return
        index, resumed = chosen.key_index(), staging.resumed
        sizes = np.full(len(chosen), -1, dtype=np.int64)
        records = (
            (position, record)
            for record in images
            if (position := index.position(record.key)) is not None
        )
        copies = ordered_map(  # to the planned path, whatever the record says now
            lambda found: (found[0], self._copy(memorisation_path(chosen[found[0]]), *found[1:])),
            ((position, record, resumed) for position, record in records),
        )
        for position, entry in copies:
            if entry.sha256 != chosen[position].sha256 or sizes[position] >= 0:
                _changed_while_built()
            sizes[position] = entry.size
            self._report(self.done + 1, entry.path)
        if (sizes < 0).any():
            _changed_while_built()
        entries = (
            FileEntry(memorisation_path(form), int(size), form.sha256)
            for form, size in zip(chosen, sizes, strict=True)
        )
        staging.write_group(group, entries)

    def _images(self, staging: _Staging, group: str, records, path_of) -> None:
        if staging.marker(group).exists():
            self._report(self.done + len(records), f"{group}: already staged")
            return
        resumed = staging.resumed
        copies = ordered_map(lambda record: self._copy(path_of(record), record, resumed), records)
        staging.write_group(group, self._reported(copies))

    def _reported(self, entries: Iterable[FileEntry]) -> Iterator[FileEntry]:
        for entry in entries:
            self._report(self.done + 1, entry.path)
            yield entry

    def _copy(self, rel_path: str, record: ImageRecord, resumed: bool) -> FileEntry:
        """Copy one image, or keep the copy an interrupted run already made (runs on a
        file-work thread: it reports nothing itself)."""
        size = self.sink.stored_size(rel_path, record.sha256) if resumed else None
        if size is not None:
            entry = FileEntry(rel_path, size, record.sha256)
        else:
            entry = self.sink.copy_image(rel_path, record)
        if entry.sha256 != record.sha256:
            raise ReleaseError(
                f"image {record.key}: its stored bytes have sha256 {entry.sha256}, its record "
                f"says {record.sha256}; the stored file changed or is corrupt: re-upload or "
                "withdraw it"
            )
        return entry

    def _text_group(self, staging: _Staging, group: str, files) -> None:
        """`files` yields (path, chunks) in path order; the group is rewritten unless done."""
        if staging.marker(group).exists():
            for entry in staging.entries(group):
                self._report(self.done + 1, f"{entry.path}: already staged")
            return
        staging.write_group(group, self._write_files(files))

    def _write_files(self, files) -> Iterator[FileEntry]:
        for path, chunks in files:
            entry = self.sink.write_bytes(path, chunks)
            self._report(self.done + 1, path)
            yield entry

    def _tables(self, plan: ReleasePlan, people: dict, withdrawn: list[dict]):
        label, prompts = self.templates.label, self.templates.prompts
        instruction = prompts["memorisation_instruction"]
        return [
            ("identities/memorisation.jsonl", tables.identities(plan.memorisation_identities)),
            ("identities/probe.jsonl", tables.identities(plan.probe_identities)),
            ("memorisation/dataset_info.json", tables.llamafactory_dataset_info()),
            (
                "memorisation/finetune.jsonl",
                tables.finetune_examples(plan, people, label, instruction),
            ),
            (
                "memorisation/llamafactory.json",
                tables.llamafactory_examples(plan, people, label, instruction),
            ),
            ("memorisation/llava.json", tables.llava_examples(plan, people, label, instruction)),
            ("memorisation/metadata.jsonl", tables.memorisation_metadata(plan, people, label)),
            ("probe/image_fields.jsonl", tables.image_fields(plan)),
            ("probe/items.jsonl", tables.probe_items(plan, prompts)),
            ("probe/metadata.jsonl", tables.probe_metadata(plan)),
            (legibility.READINGS_FILE, tables.probe_readings(plan)),
            ("templates/label_template.txt", self.templates.label_bytes),
            ("templates/prompts.json", self.templates.prompt_bytes),
            ("withdrawals.jsonl", tables.withdrawals(withdrawn)),
        ]

    def _card(self, plan: ReleasePlan, staging: _Staging, counts: dict):
        written = {entry.path: entry for entry in staging.entries("tables")}
        card = dataset_card(self.config, counts, benchmark.__version__)
        image_sets = {
            (split, record.suffix)
            for split, records in (
                ("memorisation", plan.memorisation_images),
                ("probe", plan.probe_images),
            )
            for record in records
        }
        description = (
            "Synthetic multimodal privacy benchmark: a memorisation split to fine-tune on and a "
            "probe split that asks, in five framings, for personal data shown in an image "
            "(disclosure) or memorised from the memorisation split (retention)."
        )
        jsonl = {path: written[path] for _, path, _ in JSONL_FILES}
        yield "README.md", card.encode("utf-8")
        yield "croissant.json", croissant_metadata(self.config, description, jsonl, image_sets)

    def _write_manifest(self, staging: _Staging, fingerprint: str, counts: dict) -> dict:
        groups = ("memorisation-images", "probe-images", "tables", "card")
        entries = heapq.merge(*(staging.entries(group) for group in groups), key=lambda e: e.path)
        head = {
            "code_version": benchmark.__version__,
            "config": self.config.to_dict(),
            "counts": counts,
            "format": FORMAT,
            "input_sha256": fingerprint,
            "name": "MM-Privacy",
            "version": self.config.version,
        }
        entry = self.sink.write_bytes("manifest.json", _manifest_chunks(head, entries))
        self._report(self.total // 2, "manifest.json")
        return {**head, "manifest_sha256": entry.sha256}

    def _check(self) -> None:
        offset = self.done

        def check_progress(done: int, total: int, message: str) -> None:
            self._report(offset + min(done, self.total - offset), f"checking: {message}")

        problems = check_release(self.sink.root, progress=check_progress)
        if problems:
            report = self.staging_root / CHECK_REPORT
            report.write_text(
                f"The independent check refused release {self.config.version}; nothing was "
                "published. Fix the inputs and export again.\n\n" + "\n".join(problems) + "\n",
                encoding="utf-8",
            )
            raise ReleaseCheckFailed(problems, report)


def _changed_while_built() -> None:
    """The second read of the memorisation images missed a planned one, found it twice or
    found other bytes."""
    raise ReleaseError(
        "the accepted images changed while the release was built (a memorisation image "
        "is gone or has other bytes); export again"
    )


def _manifest_chunks(head: dict, entries: Iterator[FileEntry]) -> Iterator[bytes]:
    """manifest.json with sorted keys, its file list streamed one entry per line."""
    items = sorted({**head, "files": None}.items())
    yield b"{\n"
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if key != "files":
            yield f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}{comma}\n".encode()
            continue
        yield b'"files": ['
        separator = "\n"
        for entry in entries:  # keys in sorted order, written directly: one per file
            line = f'{{"path": {json.dumps(entry.path)}, "sha256": "{entry.sha256}", '
            yield f'{separator}{line}"size": {entry.size}}}'.encode()
            separator = ",\n"
        yield f"\n]{comma}\n".encode()
    yield b"}\n"
