"""An ordered, bounded parallel map for file work: many small reads and writes at once.

Copying thousands of small files waits mostly on the file system (opening, creating,
writing), so a few threads overlap that waiting. Decoding and hashing them is CPU work
under the GIL, so that goes to processes (`processes=True`: the function and items must
pickle). Results come back in input order, and at most `window` items are in flight, so
memory stays flat however many files there are.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Small-file work is mostly waiting, so more threads than cores pay off; past 8 they
# only contend for the same disk.
FILE_WORKERS = min(8, 2 * (os.cpu_count() or 1))


def ordered_map(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    *,
    workers: int = FILE_WORKERS,
    window: int | None = None,
    processes: bool = False,
) -> Iterator[Result]:
    """`map(function, items)` on `workers` threads (or processes), in order, `window`
    items ahead at most (default 4 per worker). An exception from `function` is raised in
    the caller at its item; work not yet started is then cancelled."""
    if workers <= 1:
        yield from map(function, items)
        return
    window = window or 4 * workers
    with _executor(workers, processes) as pool:
        pending: deque[Future] = deque()
        try:
            for item in items:
                pending.append(pool.submit(function, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _executor(workers: int, processes: bool) -> Executor:
    if not processes:
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="file-work")
    # Spawned, not forked: the caller may be a web server or job runner with threads.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
