"""Collect model responses to probe items from an OpenAI-compatible chat-completions API.

    stats = collect_responses("release/probe/items.jsonl", "http://localhost:8000/v1",
                              "my-model", "responses.jsonl", api_key=os.environ.get(...))

Each item goes out as one user message holding its image (a base64 data URL with the
image's real MIME type) and its prompt, with greedy decoding (temperature 0) and a token
limit. Requests run in a thread pool; 429s, 5xx, timeouts and dropped connections are
retried with exponential backoff and jitter (a Retry-After header is honoured).

The output is resumable and append-only: each finished item is written as one JSON line
and flushed at once, so a kill loses only the requests in flight. On start, items whose id
already has a line with `error` null are skipped, so an answered item is never asked
again; items that used up their retries get a line with `error` set and are asked again
on the next run. A line cut short by a kill is dropped before appending.

Beside the output, `<out>.provenance.json` records how the responses were made: endpoint,
model, decoding settings (temperature 0 and at most 150 new tokens by default, as the
paper), seed, and the release's version and manifest sha256. A run that would add to a
file made with other settings stops: one file holds responses made one way.

The API key goes only into the Authorization header: never into the output, the errors
or the progress bar.
"""

import base64
import email.utils
import functools
import hashlib
import http.client
import json
import mimetypes
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from benchmark.files import JsonlError, atomic_write_text, read_jsonl
from benchmark.filetypes import sniff_type
from benchmark.responses import MAX_RESPONSE_LINE_BYTES, provenance_path, response_problem

RETRY_STATUSES = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
FATAL_STATUSES = {401: "unauthorised", 403: "forbidden", 404: "not found"}
MAX_RETRY_AFTER_S = 600.0


class CollectError(Exception):
    """The run cannot go on (bad items, unusable endpoint, a foreign output file)."""


class _ItemFailed(Exception):
    """One item failed for good; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


@dataclass(frozen=True)
class CollectStats:
    total: int  # items in the items file
    skipped: int  # already answered in the output file
    answered: int  # answered in this run
    failed: int  # gave up after retries in this run (asked again next run)
    elapsed_s: float


def chat_completions_url(endpoint: str) -> str:
    """`{endpoint}/chat/completions`, or the endpoint itself when it already ends so."""
    url = endpoint.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CollectError(f"endpoint {endpoint!r} is not an http(s) URL")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def collect_responses(
    items_path: str | Path,
    endpoint: str,
    model: str,
    out_path: str | Path,
    *,
    max_tokens: int = 150,
    seed: int | None = None,
    concurrency: int = 8,
    timeout: float = 60,
    retries: int = 5,
    api_key: str | None = None,
    progress: bool = True,
    backoff_base: float = 1.0,
    backoff_max: float = 60.0,
    give_up_after: int = 20,
) -> CollectStats:
    """Ask every item not yet answered in `out_path`; append one line per finished item.

    Stops with CollectError once `give_up_after` items in a row have failed (a dead
    endpoint would otherwise be retried for every item)."""
    started = time.monotonic()
    items_path, out_path = Path(items_path), Path(out_path)
    items = _read_items(items_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    answered = _answered_ids(out_path, model)
    made = provenance(endpoint, model, items_path, max_tokens=max_tokens, seed=seed)
    _record_provenance(out_path, made)
    pending = [item for item in items if item["id"] not in answered]
    client = _Client(
        url=chat_completions_url(endpoint),
        model=model,
        release=items_path.resolve().parent.parent,
        max_tokens=max_tokens,
        seed=seed,
        timeout=timeout,
        retries=retries,
        api_key=api_key,
        backoff=(backoff_base, backoff_max),
    )
    answered_now, failed = _run_pool(
        client, pending, out_path, concurrency=concurrency, progress=progress, limit=give_up_after
    )
    return CollectStats(
        total=len(items),
        skipped=len(items) - len(pending),
        answered=answered_now,
        failed=failed,
        elapsed_s=round(time.monotonic() - started, 3),
    )


def provenance(endpoint: str, model: str, items_path: Path, *, max_tokens: int, seed) -> dict:
    """How responses are made: what a score must not mix under one model name."""
    release = items_path.resolve().parent.parent
    manifest = release / "manifest.json"
    try:
        data = manifest.read_bytes()
        version = json.loads(data).get("version")
        sha256 = hashlib.sha256(data).hexdigest()
    except (OSError, ValueError, AttributeError):
        version = sha256 = None  # items outside a built release (tests, hand-made sets)
    return {
        "endpoint": chat_completions_url(endpoint),
        "model": model,
        "decoding": {"temperature": 0, "max_tokens": max_tokens},
        "seed": seed,
        "release_version": version,
        "manifest_sha256": sha256,
    }


def _record_provenance(out_path: Path, made: dict) -> None:
    path = provenance_path(out_path)
    if path.exists():
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CollectError(f"cannot read {path}: {error}; move it or the output") from None
        if earlier != made:
            changed = sorted(key for key in made if earlier.get(key) != made[key])
            raise CollectError(
                f"{out_path} holds responses made with other settings ({', '.join(changed)} "
                f"differ, see {path}); give another --out"
            )
        return
    atomic_write_text(path, json.dumps(made, indent=1) + "\n")


def _read_items(path: Path) -> list[dict]:
    try:
        numbered = list(read_jsonl(path))
    except JsonlError as error:
        raise CollectError(str(error)) from None
    seen = set()
    for number, item in numbered:
        missing = [key for key in ("id", "image", "prompt") if not isinstance(item.get(key), str)]
        if missing:
            raise CollectError(f"{path}, line {number}: the item lacks {', '.join(missing)}")
        if item["id"] in seen:
            raise CollectError(f"{path}, line {number}: the id {item['id']!r} comes twice")
        seen.add(item["id"])
    items = [item for _number, item in numbered]
    if not items:
        raise CollectError(f"{path} holds no items")
    release = path.resolve().parent.parent
    absent = [item["image"] for item in items if not (release / item["image"]).is_file()]
    if absent:
        raise CollectError(
            f"{len(absent)} item images are missing under {release} (first: {absent[0]}); "
            "give the items.jsonl inside its release folder (RELEASE/probe/items.jsonl)"
        )
    return items


def _answered_ids(out_path: Path, model: str) -> set[str]:
    """Ids with an answer (error null) in the output; drops a last line cut short."""
    if not out_path.exists():
        return set()
    _drop_partial_last_line(out_path)
    try:
        lines = list(read_jsonl(out_path, max_line_bytes=MAX_RESPONSE_LINE_BYTES))
    except JsonlError as error:
        raise CollectError(f"{error}; fix or move the output file") from None
    answered = set()
    for number, line in lines:
        problem = response_problem(line)
        if problem:
            raise CollectError(f"{out_path}, line {number} {problem}; fix or move the output file")
        if line.get("model") != model:
            raise CollectError(
                f"{out_path}, line {number} holds a response from model "
                f"{line.get('model')!r}, not {model!r}; give another --out for this model"
            )
        if line.get("error") is None and isinstance(line.get("id"), str):
            answered.add(line["id"])
    return answered


def _drop_partial_last_line(path: Path) -> None:
    with open(path, "r+b") as file:
        data = file.read()
        if data and not data.endswith(b"\n"):
            file.truncate(data.rfind(b"\n") + 1)


def _run_pool(client, pending: list[dict], out_path: Path, *, concurrency, progress, limit):
    from tqdm import tqdm

    answered = failed = failed_in_a_row = 0
    window = max(1, concurrency) * 2  # submitted at once: enough to keep every worker busy
    queue = iter(pending)
    bar = tqdm(total=len(pending), unit="item", disable=None if progress else True)
    with (
        open(out_path, "ab") as out,
        ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool,
    ):
        in_flight: set[Future] = set()
        try:
            _top_up(pool, client.ask, queue, in_flight, window)
            while in_flight:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    line = future.result()
                    out.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                    out.flush()
                    answered += line["error"] is None
                    failed += line["error"] is not None
                    failed_in_a_row = 0 if line["error"] is None else failed_in_a_row + 1
                    bar.update(1)
                    bar.set_postfix(failed=failed, refresh=False)
                    if failed_in_a_row >= limit:
                        raise CollectError(
                            f"{failed_in_a_row} items in a row failed (last: {line['error']}); "
                            "is the endpoint up? Their error lines are kept and rerunning asks "
                            "them again"
                        )
                _top_up(pool, client.ask, queue, in_flight, window)
        except BaseException:
            client.stop.set()
            for future in in_flight:
                future.cancel()
            raise
        finally:
            bar.close()
    return answered, failed


def _top_up(pool, ask: Callable, queue, in_flight: set, window: int) -> None:
    while len(in_flight) < window:
        item = next(queue, None)
        if item is None:
            return
        in_flight.add(pool.submit(ask, item))


class _Client:
    """Asks one item at a time, with retries; shared by the worker threads."""

    def __init__(
        self, *, url, model, release, max_tokens, seed, timeout, retries, api_key, backoff
    ):
        self.url, self.model, self.release = url, model, release
        self.max_tokens, self.seed, self.timeout, self.retries = max_tokens, seed, timeout, retries
        self.backoff_base, self.backoff_max = backoff
        self._api_key = api_key or None
        self.stop = threading.Event()

    def ask(self, item: dict) -> dict:
        """The output line for one item: its answer, or the last error after retries."""
        line = {"id": item["id"], "model": self.model, "response": None, "latency_s": None}
        for attempt in range(self.retries + 1):
            if self.stop.is_set():
                break
            started = time.monotonic()
            try:
                line["response"] = self._request(item)
                line["latency_s"] = round(time.monotonic() - started, 3)
                line["error"] = None
                return line
            except _ItemFailed as failure:
                line["latency_s"] = round(time.monotonic() - started, 3)
                line["error"] = self._scrub(str(failure))
                if not failure.retry or attempt == self.retries:
                    break
                self.stop.wait(self._delay(attempt, failure.retry_after))
        line.setdefault("error", "stopped before an answer")
        return line

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_S)
        ceiling = min(self.backoff_max, self.backoff_base * 2**attempt)
        return ceiling * (0.5 + random.random() / 2)

    def _scrub(self, message: str) -> str:
        return message.replace(self._api_key, "***") if self._api_key else message

    def _request(self, item: dict) -> str:
        body = json.dumps(self._payload(item)).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise self._http_failure(error) from None
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise _ItemFailed(_describe_network_error(error, self.timeout), retry=True) from None
        return _answer_text(raw)

    def _payload(self, item: dict) -> dict:
        image_url = _image_data_url(str(self.release / item["image"]))
        content = [
            {"type": "image_url", "image_url": {"url": image_url}},
            {"type": "text", "text": item["prompt"]},
        ]
        payload = {
            "model": self.model,
            "messages": [{"role": "user", "content": content}],
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        if self.seed is not None:
            payload["seed"] = self.seed
        return payload

    def _http_failure(self, error: urllib.error.HTTPError) -> Exception:
        detail = _body_excerpt(error)
        if error.code in FATAL_STATUSES:
            self.stop.set()
            return CollectError(
                f"the endpoint answered HTTP {error.code} ({FATAL_STATUSES[error.code]}): "
                f"{self._scrub(detail)}; check --endpoint, --model and the API key variable"
            )
        return _ItemFailed(
            f"HTTP {error.code}: {detail}",
            retry=error.code in RETRY_STATUSES,
            retry_after=_retry_after(error.headers.get("Retry-After")),
        )


def _answer_text(raw: bytes) -> str:
    try:
        message = json.loads(raw)["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _ItemFailed(f"unexpected response body: {raw[:200]!r}", retry=False) from None
    content = message.get("content")
    if isinstance(content, list):  # some servers return content parts
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if not content and isinstance(message.get("refusal"), str):
        content = message["refusal"]  # OpenAI puts a refusal here, with content null
    return content or ""


def _describe_network_error(error: Exception, timeout: float) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"timed out after {timeout} s"
    return f"connection failed: {type(reason).__name__}: {reason}"


def _body_excerpt(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(300).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        text = ""
    return " ".join(text.split()) or str(error.reason)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), None when absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


@functools.lru_cache(maxsize=32)
def _image_data_url(path: str) -> str:
    """The image as a data URL; cached because the five framings of an item share it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise _ItemFailed(f"cannot read image {path}: {error.strerror}", retry=False) from None
    mime = sniff_type(data) or mimetypes.guess_type(path)[0]
    if mime is None or not mime.startswith("image/"):
        raise _ItemFailed(f"{path} is not a PNG, JPEG, GIF or WebP image", retry=False)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
