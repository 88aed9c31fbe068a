"""Thread pools that belong to one process: a forked child makes its own."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# (name, workers) -> (pid, pool). A pool of another size is another pool: the old one's
# threads, and what they hold, stay reachable for run_on_every_thread.
_pools: dict[tuple[str, int], tuple[int, ThreadPoolExecutor]] = {}


def process_pool(name: str, *, workers: int) -> ThreadPoolExecutor:
    """This process's pool ``name`` of ``workers`` threads (threads do not survive a fork)."""
    entry = _pools.get((name, workers))
    if entry is None or entry[0] != os.getpid():
        entry = (os.getpid(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name))
        _pools[(name, workers)] = entry
    return entry[1]


def run_on_every_thread(name: str, func: Callable[[], object]) -> None:
    """Run ``func`` once on each thread of this process's pools ``name``, if any.

    For per-thread state such as database connections (``connections.close_all``). Each
    task waits at a barrier until all are running, so no thread takes two.
    """
    for (pool_name, workers), (pid, pool) in list(_pools.items()):
        if pool_name != name or pid != os.getpid():
            continue
        barrier = threading.Barrier(workers)

        def on_this_thread(barrier: threading.Barrier = barrier) -> None:
            barrier.wait(timeout=30)
            func()

        for future in [pool.submit(on_this_thread) for _ in range(workers)]:
            future.result()
