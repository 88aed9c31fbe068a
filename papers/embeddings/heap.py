"""Keep freed memory in the heap of a process that encodes documents on the CPU.

glibc serves an allocation above its mmap threshold (32 MiB at most under its dynamic
rule) with fresh pages from ``mmap`` and unmaps them on free. A batch's activations are
larger than that (32 abstracts x 256 tokens x 1,536 floats is 50 MiB), so every layer of
every batch faults its buffers in again and the kernel zeroes them, a large share of the
encoding time (docs/measurements.md). Raising the mmap and trim thresholds makes glibc
reuse those pages; the cost is that the process keeps its peak heap (a few hundred MiB
for the default batch) instead of returning it between batches.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# mallopt parameters, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def retain_freed_memory(*, up_to_bytes: int) -> bool:
    """Let allocations below ``up_to_bytes`` reuse freed heap pages; False where not glibc."""
    if up_to_bytes <= 0:
        return False
    libc = _glibc()
    if libc is None:
        logger.info("not glibc: freed memory is returned to the system as the libc decides")
        return False
    applied = libc.mallopt(M_MMAP_THRESHOLD, up_to_bytes) and libc.mallopt(
        M_TRIM_THRESHOLD, up_to_bytes
    )
    if not applied:
        logger.warning("glibc refused a malloc threshold of %d bytes", up_to_bytes)
    return bool(applied)


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:  # an unusual libc layout: encode as before rather than fail the load
        return None
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return libc
