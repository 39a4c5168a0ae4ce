import random
import threading
import time

import pytest

from benchmark.parallel import ordered_map


def test_results_come_back_in_input_order_whatever_finishes_first():
    delays = [random.Random(n).uniform(0, 0.004) for n in range(200)]

    def slow_square(n):
        time.sleep(delays[n])
        return n * n

    assert list(ordered_map(slow_square, range(200), workers=8)) == [n * n for n in range(200)]


def test_no_more_than_the_window_is_taken_from_the_input_ahead_of_the_caller():
    taken = 0
    lock = threading.Lock()

    def items():
        nonlocal taken
        for n in range(100):
            with lock:
                taken += 1
            yield n

    for consumed, result in enumerate(ordered_map(lambda n: n, items(), workers=4, window=6), 1):
        assert result == consumed - 1
        assert taken - consumed <= 6


def test_an_error_surfaces_at_its_item_and_later_work_is_not_started():
    started = []

    def fails_at_5(n):
        started.append(n)
        if n == 5:
            raise ValueError("item 5 is bad")
        return n

    results = ordered_map(fails_at_5, range(1000), workers=2, window=4)
    assert [next(results) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="item 5 is bad"):
        next(results)
    assert max(started) < 5 + 4 + 1


def test_one_worker_runs_in_the_caller():
    threads = set()
    results = list(
        ordered_map(lambda n: threads.add(threading.current_thread()) or n, range(5), workers=1)
    )
    assert results == list(range(5))
    assert threads == {threading.current_thread()}
