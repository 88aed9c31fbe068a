"""Committed results in benchmarks/results/ are written by the benchmarks alone: a test
session (`make test`) that runs the fault scenarios prints their figures elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import faults

ROOT = Path(__file__).resolve().parent.parent


def test_a_test_session_writes_fault_figures_outside_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    committed = ROOT / "benchmarks" / "results" / "faults.json"
    before = committed.read_bytes()
    monkeypatch.delenv(faults.RESULTS_VARIABLE, raising=False)
    figures = faults.FaultFigures("probe", "messages", 1, 1, 0, "nothing", 0.0)
    monkeypatch.setattr(faults, "FIGURES", [figures])

    written = faults.fault_results_write()

    assert written is not None and written.exists()
    assert not written.resolve().is_relative_to(ROOT)
    assert '"scenario": "probe"' in written.read_text()
    assert committed.read_bytes() == before


def test_the_fault_benchmark_names_where_the_test_session_writes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "faults.json"
    monkeypatch.setenv(faults.RESULTS_VARIABLE, str(target))
    monkeypatch.setattr(faults, "FIGURES", [faults.FaultFigures("p", "vectors", 2, 2, 0, "x", 1)])

    assert faults.fault_results_write() == target
    assert '"unit": "vectors"' in target.read_text()
