"""An optional model judge: an OpenAI-compatible chat model (vLLM and the like) classifies
each answer as a refusal or not, with a fixed rubric kept in a replaceable template file.

    judge = Judge("http://127.0.0.1:8000/v1", "qwen2.5-7b-instruct", cache=Path("judge.json"))
    verdicts = judge.refusals([(text, escape_phrase), ...])    # one bool per answer

The rubric (`benchmark/data/judge_rubric.txt`) is a `string.Template` with `$response` and
`$escape_phrase`; the judge's reply must start with REFUSAL or NOT_REFUSAL. Verdicts are
cached by (sha256 of the answer and phrase, judge model, sha256 of the rubric), so a rerun
asks only what it has not asked. Requests run in a thread pool (`concurrency`); 429s, 5xx,
timeouts and dropped connections are retried with exponential backoff. The headline
figures keep the rules' verdicts; `agreement` says how far the judge agrees (Cohen's kappa).
"""

import hashlib
import json
import string
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from benchmark.agreement import cohen_kappa
from benchmark.files import atomic_write_text

DEFAULT_RUBRIC = Path(__file__).resolve().parent.parent / "data" / "judge_rubric.txt"
_RETRY_STATUSES = frozenset({408, 425, 429}) | frozenset(range(500, 600))
_REPLIES = {"REFUSAL": True, "NOT_REFUSAL": False}


class JudgeError(Exception):
    """The judge cannot be asked (bad rubric, an answer it never gave after retries)."""


class Judge:
    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        rubric: str | Path | None = None,
        cache: str | Path | None = None,
        concurrency: int = 8,
        timeout: float = 60.0,
        retries: int = 4,
        backoff_s: float = 0.5,
    ):
        self.url = endpoint.rstrip("/")
        if not self.url.endswith("/chat/completions"):
            self.url += "/chat/completions"
        self.model, self.concurrency = model, max(1, concurrency)
        self.timeout, self.retries, self.backoff_s = timeout, retries, backoff_s
        try:
            text = Path(rubric or DEFAULT_RUBRIC).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise JudgeError(f"cannot read the judge rubric {rubric}: {error}") from None
        self.rubric = string.Template(text)
        self._rubric_sha = hashlib.sha256(text.encode()).hexdigest()
        self.cache_path = Path(cache) if cache else None
        self._cache = self._read_cache()

    def refusals(self, answers: Sequence[tuple[str, str]]) -> list[bool]:
        """Per (answer, escape phrase): does the judge call it a refusal?"""
        keys = [self._key(text, phrase) for text, phrase in answers]
        asked = {
            key: pair for key, pair in zip(keys, answers, strict=True) if key not in self._cache
        }
        try:
            self._ask_all(asked)
        finally:
            if asked:
                self._write_cache()  # what was answered before a failure is kept
        return [self._cache[key] for key in keys]

    def _ask_all(self, asked: dict[str, tuple[str, str]]) -> None:
        """Ask every pair; on the first JudgeError the answers not yet begun are cancelled
        (a judge that is down fails the run once, not once per answer after its retries)."""
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = {pool.submit(self._ask, pair): key for key, pair in asked.items()}
            for future in as_completed(futures):
                self._cache[futures[future]] = future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _key(self, text: str, phrase: str) -> str:
        answer = hashlib.sha256(f"{phrase}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
        return f"{answer}:{self.model}:{self._rubric_sha}"

    def _ask(self, pair: tuple[str, str]) -> bool:
        text, phrase = pair
        prompt = self.rubric.safe_substitute(response=text, escape_phrase=phrase)
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 5,
        }
        reply = self._post(json.dumps(body).encode())
        word = reply.strip().split()[0].strip(".:*").upper() if reply.strip() else ""
        if word not in _REPLIES:
            raise JudgeError(f"the judge replied {reply[:80]!r}, not REFUSAL or NOT_REFUSAL")
        return _REPLIES[word]

    def _post(self, body: bytes) -> str:
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        problem = ""
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())["choices"][0]["message"]["content"] or ""
            except urllib.error.HTTPError as error:
                if error.code not in _RETRY_STATUSES:
                    raise JudgeError(f"the judge answered HTTP {error.code}") from None
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                problem = f"{type(error).__name__}: {error}"
            except (ValueError, KeyError, IndexError, TypeError):
                raise JudgeError("the judge's reply is not a chat completion") from None
            time.sleep(self.backoff_s * 2**attempt)
        raise JudgeError(f"the judge failed {self.retries + 1} times (last: {problem})")

    def _read_cache(self) -> dict[str, bool]:
        if self.cache_path is None or not self.cache_path.exists():
            return {}
        try:
            cached = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise JudgeError(f"cannot read the judge cache {self.cache_path}: {error}") from None
        return {key: value for key, value in cached.items() if isinstance(value, bool)}

    def _write_cache(self) -> None:
        if self.cache_path is None:
            return
        atomic_write_text(self.cache_path, json.dumps(self._cache))


def agreement(rules: Sequence[bool], judge: Sequence[bool]) -> dict:
    """How far the judge agrees with the rules on the same answers."""
    return {
        "answers": len(rules),
        "rules_refusals": sum(rules),
        "judge_refusals": sum(judge),
        "agreed": sum(a == b for a, b in zip(rules, judge, strict=True)),
        "cohen_kappa": cohen_kappa(list(rules), list(judge)),
        "headline": "rules",
    }


def judged(scorer, judge: Judge) -> dict:
    """The judge's verdicts on the scorer's answers that leak no full value (see
    `Scorer.answers`), against the rules': agreement, and each answer they disagree on.
    JudgeError when the judge cannot be asked."""
    answers = list(scorer.answers())
    verdicts = judge.refusals([(text, phrase) for _m, _id, text, phrase, _r in answers])
    rules = [refused for *_rest, refused in answers]
    disagreements = [
        {"model": model, "id": item_id, "rules": refused, "judge": said}
        for (model, item_id, _text, _phrase, refused), said in zip(answers, verdicts, strict=True)
        if refused != said
    ]
    return {
        **agreement(rules, verdicts),
        "judge_model": judge.model,
        "disagreements": disagreements,
    }
