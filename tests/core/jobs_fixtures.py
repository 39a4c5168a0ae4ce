"""Job functions used by the job-mechanism tests (importable by dotted path)."""

from curation.core.jobs import JobFailed, run_progress


def count_to(run, *, n: int) -> dict:
    for i in range(1, n + 1):
        run_progress(run, i, n, f"step {i}")
    return {"counted": n}


def refuse(run, *, reason: str) -> dict:
    raise JobFailed(reason)


def crash(run) -> dict:
    raise RuntimeError("boom")


ABANDONED: list[int] = []


def note_abandoned(run) -> None:
    """An ABANDONED_HOOKS entry for the tests: remembers which runs it was given."""
    ABANDONED.append(run.pk)
