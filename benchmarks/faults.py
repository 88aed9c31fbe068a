"""Fault scenarios: real Celery workers SIGKILLed mid-send and mid-embed, recovered by the
system's own mechanisms only (redelivery, the visibility timeout, delivery leases).

Runs the test modules that stage them (a real Redis, PostgreSQL, SMTP server and worker
processes; see their docstrings) and prints, per scenario, messages expected / delivered /
duplicated and vectors expected / present / duplicated; the figures are also written to
benchmarks/results/faults.json. `make test` runs the same scenarios.

    python benchmarks/faults.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["tests/mailing/test_worker_killed.py", "tests/papers/test_embed_worker_killed.py"]


def main() -> int:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    command = [sys.executable, "-m", "pytest", *SCENARIOS, "-q", "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
