"""Web load: home, search and paper pages through gunicorn, 20 concurrent readers, 100k papers.

The corpus is the one of bm25_latency.py and search_latency.py: the 6,633 real sample
papers replicated to ``--papers`` under unused ids with their words perturbed, indexed
for BM25, each with a vector (its original's real all-MiniLM-L6-v2 vector plus noise when
``var/bench-cache`` holds the sample's vectors, else a seeded random base vector per
original plus the same noise: the HNSW index sees the same structure of near-duplicates),
and Hugging Face-like trending signals for 50 papers a day over the last 30 days.

The load comes from locust (``FastHttpUser``), run headless in its own process against
``gunicorn digest.wsgi`` with ``--workers`` sync workers, in two phases:

* readers: ``--users`` users, each waiting 0.5-1.5 s between pages (a reader reads), a
  third each on home (with tabs and infinite-scroll pages), search (1-6 words of real
  titles, hybrid) and paper pages. This gives the p95 per page that the targets are for.
* capacity: the same users with no wait at all, for the requests/s the server sustains.

    python benchmarks/web_load.py [--papers 100000] [--keep] [--duration 60]

We chose locust over wrk because the targets are per page type and for users, not open
connections: locust names each request (home, search, paper), draws a new paper and a
new query per request, waits like a reader, and reports percentiles per name; wrk would
need a Lua script for each of these. Its own CPU is small at this rate (FastHttpUser).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "web_locustfile.py"
TRENDING_PER_DAY, TRENDING_DAYS = 50, 30
TARGETS_MS = {"home": 150, "paper": 150, "search": 250}

if TYPE_CHECKING:
    from papers.harvest.records import ArxivRecord


def build(bench: Benchmark, *, papers: int, base: list[ArxivRecord]) -> None:
    from benchmarks.bm25_latency import build as bm25_build

    bm25_build(bench, papers=papers, base=base)
    load_vectors(bench, papers=papers, base=base)
    load_trending(bench, papers=papers)


def base_vectors(base: list[ArxivRecord]) -> tuple[np.ndarray, str]:
    """The sample's real vectors if cached, else seeded random unit vectors (and which)."""
    from django.conf import settings

    cache = Path(settings.DATA_DIR) / "bench-cache"
    if any(cache.glob("sample-*.npy")):
        from benchmarks.topic_quality import sample_docs, sample_embeddings

        docs = sample_docs()
        by_id = dict(zip([d.arxiv_id for d in docs], sample_embeddings(docs), strict=True))
        return np.stack([by_id[r.arxiv_id] for r in base]), "real all-MiniLM-L6-v2 + noise"
    vectors = np.random.default_rng(5).normal(size=(len(base), 384))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), "random base + noise"


def load_vectors(bench: Benchmark, *, papers: int, base: list[ArxivRecord]) -> None:
    from benchmarks.search_latency import load_vectors as replicated_vectors_load

    vectors, kind = base_vectors(base)
    bench.parameters["vectors"] = kind
    replicated_vectors_load(bench, papers=papers, base=base, vectors=vectors)


def load_trending(bench: Benchmark, *, papers: int) -> None:
    """50 papers a day over the last 30 days, announced that day, with upvotes and code."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    rng = random.Random(3)
    chosen = rng.sample(range(papers), TRENDING_PER_DAY * TRENDING_DAYS)
    rows = []
    for index, n in enumerate(chosen):
        day = today - timedelta(days=index // TRENDING_PER_DAY)
        rank = index % TRENDING_PER_DAY + 1
        repo = f"https://github.com/lab/repo{n}" if rng.random() < 0.4 else ""
        rows.append((f"2699.{n:06d}", day, rank, rng.randint(0, 300), repo))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH s AS (SELECT * FROM unnest(%s::text[], %s::date[], %s::int[], %s::int[],
                                            %s::text[]) AS t(arxiv_id, day, rank, upvotes, repo))
            INSERT INTO papers_trendingsignal (source, day, paper_id, rank, upvotes, comments,
                submitted_by, github_repo, github_stars, project_page, ai_summary, ai_keywords,
                organization, extra, fetched_at)
            SELECT 'hf', s.day, p.id, s.rank, s.upvotes, 0, '', s.repo, 0, '', '', '{}', '',
                   '{}', now()
            FROM s JOIN papers_paper p ON p.arxiv_id = s.arxiv_id
            """,
            [list(column) for column in zip(*rows, strict=True)],
        )
        cursor.execute(
            """UPDATE papers_paper p SET announced_on = d.day
               FROM (SELECT paper_id, min(day) AS day FROM papers_trendingsignal
                     GROUP BY paper_id) d WHERE d.paper_id = p.id"""
        )
        cursor.execute("ANALYZE papers_trendingsignal")
        cursor.execute("ANALYZE papers_paper")
    bench.record("trending_signals", len(rows), unit="rows")


def database_url() -> str:
    from django.db import connection

    params = connection.get_connection_params()
    host, name = params.get("host") or "", connection.settings_dict["NAME"]
    user, password = params.get("user") or "postgres", params.get("password") or ""
    if host.startswith("/"):
        return f"postgres://{user}:{password}@/{name}?host={host}"
    return f"postgres://{user}:{password}@{host}:{params.get('port') or 5432}/{name}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def gunicorn(*, workers: int, port: int) -> Iterator[str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "digest.settings", "LOG_LEVEL": "WARNING"}  # fmt: skip
    env.setdefault("USE_REDIS_CACHE", "1")
    command = [str(Path(sys.executable).parent / "gunicorn"), "digest.wsgi",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/about/trending/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not answer within 60 s") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def workload(*, papers: int, base: list[ArxivRecord], path: Path) -> None:
    """What the simulated readers ask for: paper ids and search queries, in a JSON file."""
    from benchmarks.bm25_latency import title_queries

    rng = random.Random(17)
    ids = [f"2699.{rng.randrange(papers):06d}" for _ in range(5000)]
    path.write_text(json.dumps({"paper_ids": ids, "queries": title_queries(2000, base)}))


def run_locust(*, host: str, users: int, seconds: int, wait: bool, data: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        env = {**os.environ, "WEB_LOAD_DATA": str(data), "WEB_LOAD_WAIT": "1" if wait else "0"}
        run = subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--headless",
             "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
             "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
             "--stop-timeout", "10"],
            check=False, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if not Path(f"{prefix}_stats.csv").exists():
            raise RuntimeError(f"locust wrote no statistics:\n{run.stderr[-3000:]}")
        with open(f"{prefix}_stats.csv", newline="") as stats:
            return {row["Name"]: row for row in csv.DictReader(stats)}


def record_phase(bench: Benchmark, phase: str, stats: dict[str, Any], *, targets: bool) -> None:
    for name in ("home", "search", "paper", "Aggregated"):
        row = stats.get(name)
        if row is None:
            continue
        key = f"{phase}_{name.lower()}"
        bench.record(f"{key}_requests_per_s", float(row["Requests/s"]), unit="req/s")
        target = f"< {TARGETS_MS[name]}" if targets and name in TARGETS_MS else ""
        bench.record(f"{key}_p50_ms", float(row["50%"]), unit="ms")
        bench.record(f"{key}_p95_ms", float(row["95%"]), unit="ms", target=target)
        bench.record(f"{key}_failures", int(row["Failure Count"]), unit="requests", target="0")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--duration", type=int, default=60, help="seconds per phase")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = parser.parse_args()
    name = os.environ.setdefault("DIGEST_BENCH_DB", f"digest_bench_web_{args.papers}")
    from benchmarks.bm25_latency import kept_database
    from benchmarks.ingest import sample_records
    from benchmarks.scratch_db import scratch_database

    database: AbstractContextManager[None] = (
        kept_database(name) if args.keep else scratch_database()
    )
    parameters = {"papers": args.papers, "users": args.users, "gunicorn_workers": args.workers,
                  "phase_s": args.duration, "load": "locust FastHttpUser"}  # fmt: skip
    with database, Benchmark("web_load", **parameters) as bench:
        from papers.models import Paper

        base = list(sample_records())
        if Paper.objects.count() != args.papers:
            build(bench, papers=args.papers, base=base)
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder) / "workload.json"
            workload(papers=args.papers, base=base, path=data)
            from django.db import connection

            connection.close()  # the app's processes get the connections
            with gunicorn(workers=args.workers, port=free_port()) as host:
                run_locust(host=host, users=args.users, seconds=15, wait=True, data=data)  # warm
                readers = run_locust(
                    host=host, users=args.users, seconds=args.duration, wait=True, data=data
                )
                record_phase(bench, "readers", readers, targets=True)
                capacity = run_locust(
                    host=host, users=args.users, seconds=args.duration // 2, wait=False, data=data
                )
                record_phase(bench, "capacity", capacity, targets=False)


if __name__ == "__main__":
    main()
