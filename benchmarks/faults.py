"""Fault scenarios: real Celery workers SIGKILLed mid-send and mid-embed, recovered by the
system's own mechanisms only (redelivery, the visibility timeout, delivery leases).

Runs the test modules that stage them (a real Redis, PostgreSQL, SMTP server and worker
processes; see their docstrings), prints, per scenario, messages expected / delivered /
duplicated and vectors expected / present / duplicated, and records the figures in
benchmarks/results/faults.json. `make test` runs the same scenarios and prints the same
lines, but never writes here: only a complete run of this script does.

    python benchmarks/faults.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "faults.json"
SCENARIOS = ["tests/mailing/test_worker_killed.py", "tests/papers/test_embed_worker_killed.py"]


def main() -> int:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        figures = Path(scratch) / "faults.json"
        command = [sys.executable, "-m", "pytest", *SCENARIOS, "-q", "-p", "no:cacheprovider"]
        env = {**os.environ, "DIGEST_FAULTS_RESULTS": str(figures)}
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        if code != 0 or not figures.exists():
            print(f"scenarios failed (exit {code}); {RESULT.relative_to(ROOT)} left as it was")
            return code or 1
        result = json.loads(figures.read_text())
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
