"""Per-process thread pools (digest.lib.threads)."""

from __future__ import annotations

import os
import threading

from digest.lib import threads


def test_a_pool_is_kept_per_process_and_size() -> None:
    pool = threads.process_pool("test-keep", workers=2)
    assert threads.process_pool("test-keep", workers=2) is pool
    assert threads.process_pool("test-keep", workers=3) is not pool


def test_a_forked_child_gets_its_own_pool(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pool = threads.process_pool("test-fork", workers=1)
    monkeypatch.setattr(os, "getpid", lambda: -1)
    assert threads.process_pool("test-fork", workers=1) is not pool


def test_run_on_every_thread_reaches_each_thread_of_each_size_once() -> None:
    for workers in (2, 3):
        pool = threads.process_pool("test-every", workers=workers)
        list(pool.map(lambda _: None, range(workers)))  # start some of its threads
    seen: list[int] = []
    lock = threading.Lock()

    def record() -> None:
        with lock:
            seen.append(threading.get_ident())

    threads.run_on_every_thread("test-every", record)
    assert len(seen) == 5 and len(set(seen)) == 5
    threads.run_on_every_thread("no-such-pool", record)
    assert len(seen) == 5
