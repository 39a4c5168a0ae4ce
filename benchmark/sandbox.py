"""Run one call on untrusted input in a spawned process under CPU-time and memory limits.

A decoder fed a hostile file can spin for minutes (a progressive JPEG with thousands
of scans) or allocate gigabytes; in the caller's process that would hold a web worker
or a job runner. The call runs instead in a fresh process (spawned, not forked: the
caller may be a web server with threads) whose `resource` limits the kernel enforces:
past `cpu_seconds` of CPU it gets SIGXCPU, past `memory_bytes` of address space its
allocations fail. A wall-clock limit catches a call that sleeps or waits instead.
Linux and macOS only (the `resource` module).
"""

import multiprocessing
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 20
    memory_bytes: int = 3 * 1024**3
    # Spawning and importing take a second or two of wall time; waiting is not CPU.
    wall_seconds: float = 60.0


class LimitExceeded(Exception):
    """The call used more than its share: `resource` is "cpu", "memory" or "time"."""

    def __init__(self, resource_name: str, message: str):
        super().__init__(message)
        self.resource = resource_name

    def __reduce__(self):
        return (type(self), (self.resource, str(self)))


def run_limited(function: Callable, /, *args, limits: Limits = Limits(), **kwargs):
    """`function(*args, **kwargs)` in a spawned process under `limits`; its result, or its
    exception re-raised here (both must pickle). Raises LimitExceeded when a limit trips."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_call_within_limits, args=(sender, limits, function, args, kwargs)
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            raise LimitExceeded("time", f"took more than {limits.wall_seconds:g} s")
        outcome, value = receiver.recv()
    except EOFError:
        process.join()
        raise _death_reason(process.exitcode, limits) from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if outcome == "raised":
        raise value
    return value


def _death_reason(exitcode: int | None, limits: Limits) -> LimitExceeded:
    if exitcode == -signal.SIGXCPU:
        return LimitExceeded("cpu", f"used more than {limits.cpu_seconds} s of CPU")
    # The kernel's out-of-memory killer (or an allocation abort) ends it without a word.
    return LimitExceeded("memory", f"stopped (exit code {exitcode}), most likely out of memory")


def _call_within_limits(sender, limits: Limits, function, args, kwargs) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    try:
        outcome = ("returned", function(*args, **kwargs))
    except MemoryError:
        outcome = ("raised", LimitExceeded("memory", "needed more memory than allowed"))
    except Exception as error:  # sent back as it is, for the caller to handle
        outcome = ("raised", error)
    try:
        sender.send(outcome)
    except Exception as error:  # an unpicklable exception: keep its words
        sender.send(("raised", RuntimeError(f"{type(error).__name__}: {outcome[1]}")))
    sender.close()
