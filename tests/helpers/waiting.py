"""How long a test waits for background work (a task, a worker, a sent message).

Tests wait on the work's own completion signal (a task's result, a draft's state, a
message arriving) and this is only the ceiling for a worker that never answers: generous,
because a busy shared machine can be ten times slower than an idle one, and a test that
waits less fails for the machine's load rather than for a bug.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BACKGROUND_CEILING_S = 900


def wait_until(
    done: Callable[[], object], *, what: str, ceiling: float = BACKGROUND_CEILING_S
) -> None:
    """Poll ``done`` until it is truthy; fail naming ``what`` after ``ceiling`` seconds."""
    deadline = time.monotonic() + ceiling
    while not done():
        assert time.monotonic() < deadline, f"still waiting after {ceiling:.0f}s: {what}"
        time.sleep(0.2)
