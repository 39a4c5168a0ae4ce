"""An inspect_ai log of the `mmprivacy` task as a responses file, with its provenance.

    lines, provenance = responses_from_log("logs/2026-...-mmprivacy.eval")

The lines are those `ask` writes (`id`, `model`, `response`, `latency_s`, `error`), one
per sample of the first epoch, so `benchmark score` and the site read an inspect run like
any other; items the run did not reach (`--limit`, a cancelled run) have no line and
count as missing. The provenance says where the answers came from: the model and its
generation settings, the release (folder, version, manifest sha256), the task and the
inspect version.
"""

import zipfile
from pathlib import Path

from inspect_ai.log import EvalLog, read_eval_log

TASK_NAME = "mmprivacy"


class InspectLogError(ValueError):
    """A file that is not a readable inspect log of the mmprivacy task."""


def read_log(path: str | Path) -> EvalLog:
    path = Path(path)
    if not path.is_file():
        raise InspectLogError(f"{path} is not a file")
    try:
        log = read_eval_log(str(path))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InspectLogError(f"{path} is not a readable inspect log ({reason[:200]})") from None
    task = log.eval.task.rsplit("/", 1)[-1].rsplit("@", 1)[-1]
    if task != TASK_NAME:
        raise InspectLogError(f"{path} is a log of task {log.eval.task!r}, not {TASK_NAME!r}")
    if not log.samples:
        raise InspectLogError(f"{path} holds no samples (status {log.status})")
    return log


def responses_from_log(path: str | Path, model: str | None = None) -> tuple[list[dict], dict]:
    """The response lines of the log's first epoch and its provenance; `model` names the
    model in the lines (default: inspect's model name, e.g. `openai-api/local/qwen`)."""
    log = read_log(path)
    model = model or log.eval.model
    lines = [_line(sample, model) for sample in log.samples if sample.epoch == 1]
    return lines, provenance(log, Path(path), model)


def _line(sample, model: str) -> dict:
    error = sample.error.message if sample.error is not None else None
    output = sample.output
    if error is None and output is not None and output.error:
        error = output.error
    response = None if error is not None else (output.completion if output else "")
    latency = sample.total_time if sample.total_time is not None else None
    return {
        "id": str(sample.id),
        "model": model,
        "response": response,
        "latency_s": None if latency is None else round(latency, 3),
        "error": error,
    }


def provenance(log: EvalLog, path: Path, model: str) -> dict:
    spec = log.eval
    release = spec.metadata or {}
    config = log.plan.config.model_dump(exclude_none=True) if log.plan else {}
    return {
        "source": "inspect",
        "log": str(path.resolve()),
        "status": log.status,
        "model": model,
        "inspect_model": spec.model,
        "model_base_url": spec.model_base_url,
        "generate_config": config,
        "release": release.get("release") or (spec.task_args or {}).get("release"),
        "release_version": release.get("release_version"),
        "manifest_sha256": release.get("manifest_sha256"),
        "mmprivacy_version": release.get("mmprivacy_version"),
        "task": spec.task,
        "task_file": spec.task_file,
        "task_args": spec.task_args,
        "epochs": spec.config.epochs,
        "samples": len([sample for sample in log.samples if sample.epoch == 1]),
        "inspect_version": spec.packages.get("inspect_ai"),
        "created": spec.created,
        "run_id": spec.run_id,
        "eval_id": spec.eval_id,
    }
