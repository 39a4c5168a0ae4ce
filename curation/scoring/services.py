"""Uploading one model's responses to a release's probe items, and the job that scores them.

An upload is checked in full before anything is stored; the scoring job writes the
library's outputs (summary files, heatmaps, report) to a temporary folder, stores them,
and records the rows on the response set in one final save.
"""

import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from benchmark.files import JsonlError, parse_jsonl_line, read_jsonl_lines
from benchmark.responses import MAX_RESPONSE_LINE_BYTES, response_problem
from benchmark.scoring import ALL, Scorer, ScoringInputError, read_items, write_outputs
from benchmark.scoring.judge import Judge, JudgeError, judged
from curation.core import storage
from curation.core.jobs import JobFailed, run_progress, start_job
from curation.releases.models import Release, ReleaseStatus
from curation.releases.s3_sink import is_s3_destination
from curation.releases.services import published_bytes
from curation.scoring.models import ResponseSet, ScoringStatus

DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_PROVENANCE_BYTES = 64 * 1024
_SURROGATE_OR_NUL = re.compile("[\ud800-\udfff\x00]")
PROBLEMS_SHOWN = 5
IDS_SHOWN = 5
MAX_JUDGE_ENDPOINT_CHARS = 500
MAX_JUDGE_MODEL_CHARS = 200
_CONTROL_OR_SPACE = re.compile("[\x00-\x20\x7f\ud800-\udfff]")
ITEMS_FILE = "probe/items.jsonl"
JUDGE_CACHE = "judge-cache.json"


class UploadRefused(Exception):
    """A responses file that cannot be accepted; the message says why and what to do."""


@dataclass
class ParsedResponses:
    """A checked responses file: its one model, its lines, and how they cover the items."""

    model: str
    responses: list[dict]
    unknown_ids: list[str] = field(default_factory=list)
    errors: int = 0
    missing_items: int = 0
    items: int = 0


def max_upload_bytes() -> int:
    return getattr(settings, "SCORING_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def release_items(release: Release) -> list[dict]:
    """The release's probe items, from its folder or its S3 prefix; ScoringInputError
    when it has none to read."""
    if release.status != ReleaseStatus.PUBLISHED:
        raise ScoringInputError(f"release {release.version} is not published")
    if not is_s3_destination(release.destination):
        return read_items(Path(release.destination) / ITEMS_FILE)
    data = published_bytes(release, ITEMS_FILE)
    if data is None:
        raise ScoringInputError(f"{release.destination}/{ITEMS_FILE} is missing")
    with tempfile.TemporaryDirectory(prefix="scoring-items-") as folder:
        path = Path(folder) / "items.jsonl"
        path.write_bytes(data)
        return read_items(path)


def parse_responses(data: bytes, item_ids: set[str]) -> ParsedResponses:
    """Check every line of a responses file; UploadRefused says what is wrong with it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRefused(
            f"The file is not UTF-8 text (byte {error.start} cannot be read): upload the "
            "JSONL file that `python -m benchmark ask` wrote."
        ) from None
    responses, problems = _response_lines(text)
    if problems:
        raise UploadRefused(_problems_message(problems))
    if not responses:
        raise UploadRefused(
            "The file holds no responses: upload a JSONL file with one response a line."
        )
    return ParsedResponses(
        model=_only_model(responses),
        responses=responses,
        items=len(item_ids),
        **_coverage(responses, item_ids),
    )


def _response_lines(text: str) -> tuple[list[dict], list[str]]:
    """The file's responses, and a problem for each line that breaks the responses-file
    rules (`benchmark.responses`, the same as the command line's)."""
    responses, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_RESPONSE_LINE_BYTES:
            limit = f"{MAX_RESPONSE_LINE_BYTES:,} characters"
            problems.append(f"line {number}: longer than {limit}")
            continue
        if not line.strip():
            continue
        try:
            response = parse_jsonl_line(line, f"line {number}")
        except JsonlError as error:
            problems.append(str(error))
            continue
        problem = response_problem(response)
        if problem:
            problems.append(f"line {number} {problem}")
        else:
            responses.append(response)
    return responses, problems


def _problems_message(problems: list[str]) -> str:
    shown = "; ".join(problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    tail = f"; and {more} more" if more > 0 else ""
    return (
        f"The file is not a responses file: {shown}{tail}. Each line must be a JSON object "
        "with id, model, response and error (null when none)."
    )


def _only_model(responses: list[dict]) -> str:
    models = sorted({response["model"] for response in responses})
    if len(models) > 1:
        named = ", ".join(models[:IDS_SHOWN]) + (", …" if len(models) > IDS_SHOWN else "")
        raise UploadRefused(
            f"The file mixes responses from {len(models)} models ({named}): "
            "upload one file per model."
        )
    return models[0]


def _coverage(responses: list[dict], item_ids: set[str]) -> dict:
    """Unknown ids, and errors counted per item: a later answer to an item beats an error."""
    answered = {response["id"] for response in responses if response["error"] is None}
    errored = {response["id"] for response in responses if response["error"] is not None}
    seen = dict.fromkeys(response["id"] for response in responses)
    return {
        "unknown_ids": [item_id for item_id in seen if item_id not in item_ids],
        "errors": len((errored - answered) & item_ids),
        "missing_items": len(item_ids.difference(seen)),
    }


def unknown_ids_message(unknown: list[str], release: Release) -> str:
    shown = ", ".join(unknown[:IDS_SHOWN]) + (", …" if len(unknown) > IDS_SHOWN else "")
    return (
        f"{len(unknown)} response {'ids are' if len(unknown) > 1 else 'id is'} not "
        f"among the items of release {release.version} ({shown}): "
        "collect the responses from this release's probe/items.jsonl, or choose the release "
        "they were collected from."
    )


def check_size(size: int) -> None:
    if size > max_upload_bytes():
        raise UploadRefused(
            f"The file is {size:,} bytes; the limit is {max_upload_bytes():,}. "
            "Split it or raise SCORING_MAX_UPLOAD_BYTES."
        )


def check_upload(release: Release, data: bytes) -> ParsedResponses:
    """Everything an upload must pass before it is stored."""
    check_size(len(data))
    try:
        items = release_items(release)
    except ScoringInputError as error:
        raise UploadRefused(f"Release {release.version} cannot be scored: {error}.") from None
    parsed = parse_responses(data, {item["id"] for item in items})
    if parsed.unknown_ids:
        raise UploadRefused(unknown_ids_message(parsed.unknown_ids, release))
    return parsed


def check_judge(endpoint: str, model: str) -> tuple[str, str]:
    """The judge's endpoint and model name, stripped (both blank: no judge); UploadRefused
    unless the endpoint is an http(s) URL with a host and both are given, within their caps."""
    endpoint, model = endpoint.strip(), model.strip()
    if not endpoint and not model:
        return "", ""
    if not endpoint or not model:
        raise UploadRefused("Give the judge's endpoint URL and its model name together.")
    if len(endpoint) > MAX_JUDGE_ENDPOINT_CHARS or len(model) > MAX_JUDGE_MODEL_CHARS:
        raise UploadRefused(
            f"The judge's endpoint is at most {MAX_JUDGE_ENDPOINT_CHARS} characters and its "
            f"model name at most {MAX_JUDGE_MODEL_CHARS}."
        )
    if _CONTROL_OR_SPACE.search(endpoint) or _SURROGATE_OR_NUL.search(model):
        raise UploadRefused(
            "The judge's endpoint or model name holds a space or control character."
        )
    if not _is_http_url(endpoint):
        raise UploadRefused(
            "The judge's endpoint must be an http:// or https:// URL with a host, such as "
            "http://vllm:8000/v1 (an OpenAI-compatible server)."
        )
    return endpoint, model


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def parse_provenance(data: bytes | None) -> dict:
    """The `.provenance.json` that `ask` wrote beside the responses ({} when none)."""
    if not data:
        return {}
    if len(data) > MAX_PROVENANCE_BYTES:
        raise UploadRefused(f"The provenance file is over {MAX_PROVENANCE_BYTES:,} bytes.")
    try:
        made = parse_jsonl_line(data, "The provenance file")
    except JsonlError as error:
        raise UploadRefused(f"{error}: upload the .provenance.json that `ask` wrote.") from None
    if any(_SURROGATE_OR_NUL.search(text) for text in _texts_in(made)):
        raise UploadRefused("The provenance file holds a lone surrogate or a NUL character.")
    return made


def _texts_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_texts_in(item))]
    if isinstance(value, list):
        return [text for item in value for text in _texts_in(item)]
    return []


def response_set_upload(
    *,
    release: Release,
    data: bytes,
    filename: str = "",
    user=None,
    provenance: bytes | None = None,
    judge_endpoint: str = "",
    judge_model: str = "",
) -> ResponseSet:
    """Check, store and queue a responses file (and the record of how it was made) for
    scoring, by the rules and, when one is named, by a model judge too. Nothing is stored
    when it is refused (UploadRefused)."""
    made = parse_provenance(provenance)
    judge = check_judge(judge_endpoint, judge_model)
    try:
        parsed = check_upload(release, data)
        name = storage.save_file(
            f"responses/{release.pk}/{uuid.uuid4().hex}.jsonl", ContentFile(data)
        )
    except storage.StorageUnavailable as error:
        raise UploadRefused(
            f"{error}. Nothing was stored: upload the file again when storage answers."
        ) from None
    try:
        return _record_upload(release, parsed, name, data, filename, user, made, judge)
    except BaseException:
        storage.delete(name)
        raise


@transaction.atomic
def _record_upload(
    release, parsed: ParsedResponses, name, data, filename, user, made, judge
) -> ResponseSet:
    response_set = ResponseSet.objects.create(
        release=release,
        model_name=parsed.model,
        file=name,
        original_name=filename[:255],
        size_bytes=len(data),
        sha256=storage.sha256_hex(data),
        lines=len(parsed.responses),
        errors=parsed.errors,
        missing_items=parsed.missing_items,
        items=parsed.items,
        unknown_ids=len(parsed.unknown_ids),
        provenance=made,
        judge_endpoint=judge[0],
        judge_model=judge[1],
        created_by=user if user is not None and user.is_authenticated else None,
    )
    response_set.run = start_job(
        "curation.scoring.tasks.score_response_set_job",
        kind="scoring",
        title=f"Score {parsed.model} on release {release.version}",
        params={"response_set_id": response_set.pk},
        user=user,
    )
    response_set.save(update_fields=["run"])
    return response_set


def response_set_score(run, response_set: ResponseSet) -> dict:
    """Score the set against its release's items (the scoring job's work), progress on `run`;
    a failure is recorded on the set."""
    ResponseSet.objects.filter(pk=response_set.pk).update(
        status=ScoringStatus.SCORING, run=run, error=""
    )
    try:
        return _score(run, response_set)
    except (ScoringInputError, UploadRefused, JudgeError) as error:
        _record_failure(response_set, str(error))
        raise JobFailed(str(error)) from None
    except Exception as error:
        _record_failure(response_set, f"{type(error).__name__}: {error}")
        raise


def _score(run, response_set: ResponseSet) -> dict:
    release = response_set.release
    run_progress(run, 0, 3, "Reading the release's items and the responses")
    items = release_items(release)
    parsed = parse_responses(storage.read_bytes(response_set.file), {item["id"] for item in items})
    if parsed.unknown_ids:
        raise UploadRefused(unknown_ids_message(parsed.unknown_ids, release))
    run_progress(run, 1, 3, f"Scoring {len(parsed.responses):,} responses")
    scorer = scored(items, parsed)
    rows = scorer.rows()
    judgement, judge_cache = _judged(run, response_set, scorer)
    run_progress(run, 2, 3, "Drawing heatmaps and writing the summary")
    provenance = {parsed.model: response_set.provenance} if response_set.provenance else None
    outputs = _store_outputs(
        response_set, rows, scorer.verdicts(), provenance, judgement, judge_cache
    )
    try:
        _record_scores(response_set, rows, outputs, judgement)
    except BaseException:
        _delete_all(outputs.values())
        raise
    delete_unrecorded_outputs(response_set.pk)  # earlier runs' and killed attempts' files
    done = {"model": parsed.model, "responses": len(parsed.responses), "rows": len(rows)}
    return {**done, **_judge_result(judgement)}


def _judge_result(judgement: dict | None) -> dict:
    """What the run's page shows of the judge: which verdicts the headline uses, and kappa."""
    if judgement is None:
        return {}
    return {
        "headline": judgement["headline"],
        "judge_model": judgement["judge_model"],
        "judge_agreed": f"{judgement['agreed']} of {judgement['answers']}",
        "cohen_kappa": judgement["cohen_kappa"],
    }


def _judged(run, response_set: ResponseSet, scorer: Scorer) -> tuple[dict | None, dict]:
    """The model judge's verdicts with their agreement with the rules, and its cache to store
    ((None, {}) without a judge); JudgeError, naming the judge, when it cannot be asked."""
    if not response_set.judge_endpoint:
        return None, {}
    answers = sum(1 for _answer in scorer.answers())
    run_progress(
        run, 1, 3, f"Asking the judge {response_set.judge_model} about {answers:,} answers"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="scoring-judge-") as folder:
            cache = Path(folder) / JUDGE_CACHE
            earlier = response_set.outputs.get(JUDGE_CACHE)
            if earlier:  # a rerun asks the judge only about what it has not judged
                cache.write_bytes(storage.read_bytes(earlier))
            judgement = judged(scorer, _judge(response_set, cache))
            return judgement, {JUDGE_CACHE: cache.read_bytes() if cache.exists() else b"{}"}
    except JudgeError as error:
        raise JudgeError(
            f"The judge {response_set.judge_model} at {response_set.judge_endpoint} could not "
            f"be asked: {error}. Nothing was scored: score again when the judge answers, or "
            "upload the responses without a judge."
        ) from None


def _judge(response_set: ResponseSet, cache: Path) -> Judge:
    return Judge(
        response_set.judge_endpoint,
        response_set.judge_model,
        cache=cache,
        timeout=settings.SCORING_JUDGE_TIMEOUT_S,
        retries=settings.SCORING_JUDGE_RETRIES,
        backoff_s=getattr(settings, "SCORING_JUDGE_BACKOFF_S", 0.5),
        concurrency=settings.SCORING_JUDGE_CONCURRENCY,
    )


def scored(items: list[dict], parsed: ParsedResponses) -> Scorer:
    """A scorer holding one checked responses file, kept for its verdicts."""
    scorer = Scorer(items, keep_responses=True)
    scorer.add_model(parsed.model)
    for response in parsed.responses:
        scorer.add(response)
    return scorer


def _store_outputs(
    response_set: ResponseSet,
    rows: list[dict],
    verdicts,
    provenance,
    judgement=None,
    extra: dict[str, bytes] | None = None,
) -> dict[str, str]:
    """The library's output files (and `extra`, made beside them: the judge's cache), written
    to a temporary folder, then stored under a fresh scoring/<id>/<attempt>/ prefix (what
    the set shows stays whole until the new outputs are recorded); a failure removes what
    this call stored."""
    prefix = f"{outputs_prefix(response_set.pk)}{uuid.uuid4().hex[:12]}"
    stored: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="scoring-") as folder:
        try:
            written = write_outputs(
                rows, folder, verdicts=verdicts, provenance=provenance, judge=judgement
            )
            for path in written:
                stored[path.name] = storage.save_bytes(f"{prefix}/{path.name}", path.read_bytes())
            for name, data in (extra or {}).items():
                stored[name] = storage.save_bytes(f"{prefix}/{name}", data)
        except BaseException:
            _delete_all(stored.values())
            raise
    return stored


def _delete_all(names) -> None:
    for name in names:
        storage.delete(name)


def outputs_prefix(response_set_id: int) -> str:
    return f"scoring/{response_set_id}/"


def delete_unrecorded_outputs(response_set_id: int) -> None:
    """Delete the set's stored outputs that its row does not record: those of the runs it
    replaced, and those an attempt stored before it was killed (a killed process runs no
    cleanup of its own). Called once a run has settled, so no attempt is still writing."""
    recorded = ResponseSet.objects.filter(pk=response_set_id).values_list("outputs", flat=True)
    kept = set(next(iter(recorded), {}).values())
    _delete_all(set(storage.names_under(outputs_prefix(response_set_id))) - kept)


@transaction.atomic
def _record_scores(
    response_set: ResponseSet, rows: list[dict], outputs: dict[str, str], judgement=None
):
    response_set.rows = rows
    response_set.judge = _judge_summary(judgement)
    response_set.outputs = outputs
    response_set.heatmaps = [name for name in outputs if name.endswith(".png")]
    response_set.status = ScoringStatus.SCORED
    response_set.error = ""
    response_set.scored_at = timezone.now()
    response_set.save(
        update_fields=["rows", "judge", "outputs", "heatmaps", "status", "error", "scored_at"]
    )


def _judge_summary(judgement: dict | None) -> dict:
    """What the set's page shows of the judge (judge.json keeps each disagreement)."""
    if judgement is None:
        return {}
    summary = {key: value for key, value in judgement.items() if key != "disagreements"}
    return {**summary, "disagreements": len(judgement["disagreements"])}


def _record_failure(response_set: ResponseSet, message: str) -> None:
    ResponseSet.objects.filter(pk=response_set.pk).update(
        status=ScoringStatus.FAILED, error=message[:2000]
    )
    delete_unrecorded_outputs(response_set.pk)


def scoring_abandoned(run) -> None:
    """The reaper gave up on a scoring run: its set says so (instead of "scoring" for
    ever) and keeps no file the killed run stored; the earlier scores, if any, stay."""
    for response_set in ResponseSet.objects.filter(
        run=run, status__in=[ScoringStatus.QUEUED, ScoringStatus.SCORING]
    ):
        _record_failure(
            response_set,
            f"{run.error} Nothing new was recorded: score the set again.",
        )


def scoring_orphans_cleanup(*, now=None) -> int:
    """Delete stored responses files and scoring outputs that no response set records and
    that are older than SCORING_ORPHAN_HOURS: what an upload or a scoring run stored
    before its process was killed. Return how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.SCORING_ORPHAN_HOURS)
    recorded = set()
    for name, outputs in ResponseSet.objects.values_list("file", "outputs").iterator():
        recorded.add(name)
        recorded.update(outputs.values())
    removed = 0
    for name in storage.names_under("scoring/") + storage.names_under("responses/"):
        if name not in recorded and storage.modified_at(name) < cutoff:
            storage.remove(name)
            removed += 1
    return removed


class VerdictsUnavailable(Exception):
    """The response set has no verdicts to show (not scored, or scored before verdicts)."""


MAX_CELL_VERDICTS = 500


def cell_verdicts(response_set: ResponseSet, cell: dict, outcome: str = "") -> list[dict]:
    """The verdicts of the items in one cell (keys holding "all" match every value),
    optionally of one outcome, each with its response split around the evidence."""
    stored = response_set.outputs.get("verdicts.jsonl")
    if stored is None:
        raise VerdictsUnavailable("This response set has no verdicts; score it again.")
    items = {item["id"]: item for item in release_items(response_set.release)}
    texts = _answers(storage.read_bytes(response_set.file))
    shown = []
    for _number, verdict in read_jsonl_lines(
        storage.read_bytes(stored).splitlines(), where="verdicts.jsonl"
    ):
        item = items.get(verdict["id"])
        if item is None or not _in_cell(item, cell):
            continue
        if outcome and verdict["outcome"] != outcome:
            continue
        shown.append({**verdict, "item": item, "parts": _marked(texts.get(verdict["id"]), verdict)})
        if len(shown) >= MAX_CELL_VERDICTS:
            break
    return shown


def _in_cell(item: dict, cell: dict) -> bool:
    return all(value == ALL or item.get(key) == value for key, value in cell.items())


def _answers(data: bytes) -> dict[str, str]:
    """Each item's scored text: an answer beats an error, the last answer wins."""
    texts: dict[str, str] = {}
    responses, _problems = _response_lines(data.decode("utf-8-sig", "replace"))
    for response in responses:
        if response["error"] is None:
            texts[response["id"]] = response["response"]
        else:
            texts.setdefault(response["id"], f"(error) {response['error']}")
    return texts


def _marked(text: str | None, verdict: dict) -> tuple[str, str, str]:
    """The text split around its first copy of the evidence: (before, evidence, after)."""
    if text is None:
        return ("", "", "")
    evidence = verdict.get("evidence") or ""
    start = text.find(evidence) if evidence else -1
    if start < 0:
        return (text, "", "")
    return (text[:start], evidence, text[start + len(evidence) :])
