"""Running test workers at the same moment, in threads with their own database
connections, for the tests of races (two tabs, two servers, double clicks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

BARRIER_TIMEOUT = 30  # seconds a worker waits for the others before the round is abandoned
JOIN_TIMEOUT = 120  # seconds all workers of one test may take together


def run_together(workers: list[Callable[[threading.Barrier], Any]]) -> list[Any]:
    """Run each worker in its own thread, all sharing one Barrier; return their results.

    A worker that raises aborts the barrier, so the others stop waiting for it, and the
    test fails naming the exception instead of hanging.
    """
    barrier = threading.Barrier(len(workers), timeout=BARRIER_TIMEOUT)
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index: int, worker: Callable[[threading.Barrier], Any]) -> None:
        try:
            results[index] = worker(barrier)
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, worker), daemon=True)
        for index, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    if errors:
        raise AssertionError(f"{len(errors)} worker(s) failed: {errors!r}") from errors[0]
    return results
