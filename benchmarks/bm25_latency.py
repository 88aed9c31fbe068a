"""BM25 top-10 latency: the threshold algorithm against the exhaustive sum, same answers.

The corpus is the bundled sample's real records (6,633 papers) replicated under new,
unused arXiv ids (2699.xxxxxx) up to --papers. Each replica is perturbed so postings
are not identical copies: every word of the title and abstract is dropped with
probability 0.1, and 10% of the remaining words are swapped with a neighbour (seeded
per replica, so runs are repeatable). Queries are 1-6 consecutive words drawn from real
sample titles (seeded), mixed lengths.

    python benchmarks/bm25_latency.py [--papers 100000] [--queries 200] [--keep]

It runs in its own scratch database (created and dropped here), never the app's data;
--keep leaves the database for inspection and reuses it on the next --keep run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, percentile
from benchmarks.ingest import sample_records

if TYPE_CHECKING:
    from papers.harvest.records import ArxivRecord

DROP_WORD = 0.1
SWAP_WORD = 0.1


def perturb(text: str, *, rng: random.Random) -> str:
    words = [word for word in text.split() if rng.random() >= DROP_WORD] or text.split()
    for i in range(len(words) - 1):
        if rng.random() < SWAP_WORD:
            words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def replicas(count: int, base: list[ArxivRecord]) -> Iterator[ArxivRecord]:
    for n in range(count):
        record = base[n % len(base)]
        rng = random.Random(n)
        yield replace(
            record,
            arxiv_id=f"2699.{n:06d}",
            title=perturb(record.title, rng=rng),
            abstract=perturb(record.abstract, rng=rng),
        )


def title_queries(count: int, base: list[ArxivRecord], *, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < count:
        words = rng.choice(base).title.replace("$", " ").split()
        size = min(len(words), rng.randint(1, 6))
        start = rng.randint(0, len(words) - size)
        queries.append(" ".join(words[start : start + size]))
    return queries


def timed(
    search: Callable[..., list[Any]], queries: list[str]
) -> tuple[list[float], list[list[Any]]]:
    latencies: list[float] = []
    answers: list[list[Any]] = []
    for query in queries:
        started = time.perf_counter()
        answers.append(search(query=query, limit=10))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, answers


def record_latency(bench: Benchmark, name: str, latencies: list[float], target: str) -> None:
    for q in (50, 95, 99):
        bench.record(f"{name}_p{q}_ms", percentile(latencies, q), unit="ms",
                     target=target if q == 95 else "")  # fmt: skip
    bench.record(f"{name}_mean_ms", sum(latencies) / len(latencies), unit="ms")


def build(bench: Benchmark, *, papers: int, base: list[ArxivRecord]) -> None:
    from django.db import connection

    from papers.services import papers_upsert
    from search.services import bm25_index_papers

    started = time.perf_counter()
    papers_upsert(records=replicas(papers, base))
    bench.record("upsert_s", time.perf_counter() - started, unit="s")
    started = time.perf_counter()
    counts = bm25_index_papers()
    bench.record("index_build_s", time.perf_counter() - started, unit="s")
    bench.record("indexed_papers", counts.indexed, unit="papers")
    started = time.perf_counter()
    with connection.cursor() as cursor:  # what autovacuum would do soon after a bulk load
        cursor.execute("VACUUM ANALYZE search_bm25posting")
        cursor.execute("ANALYZE search_bm25term")
        cursor.execute("ANALYZE search_bm25document")
        cursor.execute("SELECT count(*) FROM search_bm25posting")
        bench.record("postings", cursor.fetchone()[0], unit="rows")
    bench.record("vacuum_analyze_s", time.perf_counter() - started, unit="s")


@contextmanager
def kept_database(name: str) -> Iterator[None]:
    from benchmarks.harness import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection, connections

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connections["default"].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)
    yield


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = parser.parse_args()
    name = os.environ.setdefault("DIGEST_BENCH_DB", f"digest_bench_bm25_{args.papers}")
    from benchmarks.scratch_db import scratch_database

    database: AbstractContextManager[None] = (
        kept_database(name) if args.keep else scratch_database()
    )
    with database, Benchmark("bm25_latency", papers=args.papers, queries=args.queries) as bench:
        from search.bm25 import bm25_search, bm25_search_exhaustive
        from search.models import Bm25Document

        base = list(sample_records())
        if Bm25Document.objects.count() != args.papers:
            build(bench, papers=args.papers, base=base)
        queries = title_queries(args.queries, base)
        timed(bm25_search, queries[:20])  # warm the caches and the connection
        ta_latencies, ta_answers = timed(bm25_search, queries)
        ex_latencies, ex_answers = timed(bm25_search_exhaustive, queries)
        record_latency(bench, "threshold", ta_latencies, target="< 50")
        record_latency(bench, "exhaustive", ex_latencies, target="")
        mismatches = sum(a != b for a, b in zip(ta_answers, ex_answers, strict=True))
        bench.record("mismatched_answers", mismatches, unit="queries", target="0")


if __name__ == "__main__":
    main()
