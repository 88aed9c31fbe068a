"""Upsert throughput of parsed records: the bundled sample and a 100k-paper sample.

The 100k sample is generated from the real records of the bundled sample: each real
record is replicated under new, unused arXiv ids (2699.xxxxx) with its text unchanged,
streamed from a generator so that memory stays flat in the input size.

    python benchmarks/ingest.py [--papers 100000]

It runs in its own scratch database (created and dropped here), never the app's data.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, peak_rss_mib

if TYPE_CHECKING:
    from papers.harvest.records import ArxivRecord
    from papers.services.papers import UpsertCounts


def sample_records() -> Iterator[ArxivRecord]:
    from papers.harvest.sample import LISTINGS_DIR, parse_listing_line

    seen: set[str] = set()
    for path in sorted(LISTINGS_DIR.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name.split(".")[0])
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = parse_listing_line(line, announced_on=day)
                if record.arxiv_id not in seen:
                    seen.add(record.arxiv_id)
                    yield record


def synthetic_records(count: int, base: list[ArxivRecord]) -> Iterator[ArxivRecord]:
    for n in range(count):
        yield replace(base[n % len(base)], arxiv_id=f"2699.{n:06d}")


def timed_upsert(records: Iterator[ArxivRecord]) -> tuple[int, float, UpsertCounts]:
    from papers.services import papers_upsert

    started = time.perf_counter()
    counts = papers_upsert(records=records)
    return counts.total, time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DIGEST_BENCH_DB", "digest_bench_ingest")
    from benchmarks.scratch_db import scratch_database

    with scratch_database(), Benchmark("ingest", synthetic_papers=args.papers) as bench:
        base = list(sample_records())  # parsed up front: the benchmark times the upsert
        total, elapsed, counts = timed_upsert(iter(base))
        bench.record("sample_papers", total, unit="papers")
        bench.record("sample_papers_per_s", total / elapsed, unit="papers/s", target=">= 3000")
        total, elapsed, counts = timed_upsert(iter(base))
        bench.record("sample_rerun_unchanged", counts.unchanged, unit="papers")
        bench.record("sample_rerun_papers_per_s", total / elapsed, unit="papers/s")
        rss_before = peak_rss_mib()
        total, elapsed, counts = timed_upsert(synthetic_records(args.papers, base))
        bench.record("synthetic_papers", total, unit="papers")
        bench.record("synthetic_papers_per_s", total / elapsed, unit="papers/s", target=">= 3000")
        bench.record("peak_rss_before_synthetic_mib", rss_before, unit="MiB")
        bench.record("peak_rss_after_synthetic_mib", peak_rss_mib(), unit="MiB",
                     target="flat: close to the value before")  # fmt: skip


if __name__ == "__main__":
    main()
