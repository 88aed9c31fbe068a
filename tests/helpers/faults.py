"""Figures of the fault scenarios (worker SIGKILLed mid-send, mid-embed), collected by the
tests that run them and printed at the end of the test session (tests/conftest.py), and
written to benchmarks/results/faults.json."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "faults.json"


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


def fault_results_write() -> None:
    if not FIGURES:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
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
