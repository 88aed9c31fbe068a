"""Figures of the fault scenarios (worker SIGKILLed mid-send, mid-embed), collected by the
tests that run them, printed at the end of the test session (tests/conftest.py) and
written as JSON to $DIGEST_FAULTS_RESULTS, or to the temporary directory. Only
benchmarks/faults.py records them in benchmarks/results/: a test run never rewrites a
committed result."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS_VARIABLE = "DIGEST_FAULTS_RESULTS"


@dataclass(frozen=True)
class FaultFigures:
    scenario: str
    unit: str  # "messages" or "vectors"
    expected: int
    present: int  # delivered messages (distinct recipients), stored vectors (distinct papers)
    duplicated: int
    recovered_by: str
    recovery_s: float


FIGURES: list[FaultFigures] = []


def fault_record(figures: FaultFigures) -> None:
    FIGURES.append(figures)


def fault_lines() -> list[str]:
    return [
        f"{f.scenario}: {f.unit} expected {f.expected} / "
        f"{'delivered' if f.unit == 'messages' else 'present'} {f.present} / "
        f"duplicated {f.duplicated} (recovered by {f.recovered_by} in {f.recovery_s:.0f} s)"
        for f in FIGURES
    ]


def fault_results_path() -> Path:
    """Where this session's figures go: $DIGEST_FAULTS_RESULTS, else the temporary directory."""
    default = Path(tempfile.gettempdir()) / "research-digest-faults.json"
    return Path(os.environ.get(RESULTS_VARIABLE) or default)


def fault_results_write() -> Path | None:
    if not FIGURES:
        return None
    path = fault_results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "benchmark": "faults",
                "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.node(),
                "scenarios": [asdict(f) for f in FIGURES],
            },
            indent=2,
        )
        + "\n"
    )
    return path
