"""Common harness: every benchmark prints its figures and writes them as JSON.

    with Benchmark("ingest") as bench:
        bench.record("papers_per_s", 4123.4, unit="papers/s", target=">= 3000")

writes benchmarks/results/ingest.json with the figures, the machine and the time.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def setup_django() -> None:
    """Configure Django for a benchmark script run from the repository root."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digest.settings")
    import django

    django.setup()


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Benchmark:
    def __init__(self, name: str, **parameters: Any) -> None:
        self.name = name
        self.parameters = parameters
        self.figures: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> Benchmark:
        self.started = time.perf_counter()
        print(f"== {self.name} {self.parameters or ''}".rstrip())
        return self

    def record(self, key: str, value: float, *, unit: str = "", target: str = "") -> None:
        self.figures[key] = {"value": value, "unit": unit, **({"target": target} if target else {})}
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        print(f"  {key:<32} {shown:>14} {unit}  {f'(target {target})' if target else ''}".rstrip())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            return
        RESULTS_DIR.mkdir(exist_ok=True)
        result = {
            "benchmark": self.name,
            "parameters": self.parameters,
            "figures": self.figures,
            "elapsed_s": round(time.perf_counter() - self.started, 3),
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"  -> {path.relative_to(RESULTS_DIR.parent.parent)}")
