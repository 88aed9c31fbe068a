"""Search latency per mode at scale, through ``search.selectors.search_papers``.

The corpus is the 6,633 real sample papers replicated to ``--papers`` under unused ids
(2699.xxxxxx), each replica's title and abstract perturbed (10% of the words dropped,
10% swapped with a neighbour; see bm25_latency.py). Embedding 100k abstracts would take
hours on this CPU (about 10 documents/s per core), so each replica's vector is its
original's real all-MiniLM-L6-v2 vector plus Gaussian noise (sigma 0.01 per dimension,
renormalised: cosine about 0.98 to the original). Vectors are bulk-loaded and the HNSW
index is built once, as a backfill would. 200 mixed queries (1-6 consecutive words of
real titles) run in each mode, 20 results per page with highlights, query embedding
(ONNX) included.

    python benchmarks/search_latency.py [--papers 100000] [--queries 200] [--keep] [--profile]

--keep leaves the database for inspection and reuses it on the next --keep run (build
times are then not measured again); --profile prints a pyinstrument profile of the
hybrid queries.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from contextlib import AbstractContextManager

from benchmarks.bm25_latency import kept_database, record_latency, title_queries
from benchmarks.harness import Benchmark
from benchmarks.ingest import sample_records

if TYPE_CHECKING:
    from pyinstrument import Profiler

    from papers.harvest.records import ArxivRecord

NOISE = 0.01


def load_vectors(
    bench: Benchmark, *, papers: int, base: list[ArxivRecord], vectors: np.ndarray | None = None
) -> None:
    """One vector per replicated paper: its base paper's vector plus noise, then the HNSW.

    ``vectors`` are aligned with ``base``; by default the sample's real embeddings.
    """
    from django.conf import settings
    from django.db import connection

    from search.vectors import vector_literal

    if vectors is None:
        from benchmarks.topic_quality import sample_docs, sample_embeddings

        docs = sample_docs()
        by_id = dict(zip([d.arxiv_id for d in docs], sample_embeddings(docs), strict=True))
        vectors = np.stack([by_id[record.arxiv_id] for record in base])
    rng = np.random.default_rng(11)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS paperembedding_vector_hnsw")
        cursor.execute("SELECT id, arxiv_id FROM papers_paper")
        ids = {arxiv_id: pk for pk, arxiv_id in cursor.fetchall()}
        with cursor.cursor.copy(
            "COPY papers_paperembedding (paper_id, model_name, vector, text_hash, created)"
            " FROM STDIN"
        ) as copy:
            for n in range(papers):
                vector = vectors[n % len(base)] + rng.normal(0, NOISE, 384)
                vector /= np.linalg.norm(vector)
                copy.write_row((ids[f"2699.{n:06d}"], settings.EMBEDDING_MODEL,
                                vector_literal(vector), "", "now"))  # fmt: skip
        bench.record("vector_load_s", time.perf_counter() - started, unit="s")
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            "CREATE INDEX paperembedding_vector_hnsw ON papers_paperembedding"
            " USING hnsw (vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        cursor.execute("ANALYZE papers_paperembedding")
        bench.record("hnsw_build_s", time.perf_counter() - started, unit="s")


def run_queries(bench: Benchmark, queries: list[str], *, profile: bool = False) -> None:
    from papers.embeddings.encoder import clear_query_vector_cache
    from search.selectors import SearchRequest, search_papers

    search_papers(request=SearchRequest(q="warm up the query encoder"))
    for mode in ("keyword", "semantic", "hybrid"):
        clear_query_vector_cache()  # every mode pays for encoding its queries
        profiler = _profiler() if profile and mode == "hybrid" else None
        latencies = _timed_searches(queries, mode=mode)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(color=False))
        target = "< 50 ms at 100k, < 150 ms at 1M" if mode == "hybrid" else ""
        record_latency(bench, mode, latencies, target)
    # The same queries again: their vectors now come from the query-vector cache.
    record_latency(bench, "hybrid_repeated", _timed_searches(queries, mode="hybrid"), "")
    bench.record("hnsw_recall@10", hnsw_recall(queries, k=10), target=">= 0.98")


def hnsw_recall(queries: list[str], *, k: int) -> float:
    """Share of the exact k nearest papers (a sequential scan) that the HNSW index returns
    at the configured hnsw.ef_search."""
    from django.conf import settings
    from django.db import connection, transaction

    from papers.embeddings.encoder import encode_query
    from search.vectors import vector_literal

    sql = (
        "SELECT paper_id FROM papers_paperembedding WHERE model_name = %s"
        " ORDER BY vector <=> %s::vector LIMIT %s"
    )
    found = 0
    for query in queries:
        params = [settings.EMBEDDING_MODEL, vector_literal(encode_query(query)), k]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            approximate = {row[0] for row in cursor.fetchall()}
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(sql, params)
            found += len(approximate & {row[0] for row in cursor.fetchall()})
    return found / (k * len(queries))


def _timed_searches(queries: list[str], *, mode: str) -> list[float]:
    from search.selectors import SearchRequest, search_papers

    latencies = []
    for query in queries:
        started = time.perf_counter()
        search_papers(request=SearchRequest(q=query, mode=mode))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _profiler() -> Profiler:
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    parser.add_argument("--profile", action="store_true", help="profile the hybrid queries")
    args = parser.parse_args()
    name = os.environ.setdefault("DIGEST_BENCH_DB", f"digest_bench_search_{args.papers}")
    from benchmarks.scratch_db import scratch_database

    database: AbstractContextManager[None] = (
        kept_database(name) if args.keep else scratch_database()
    )
    with database:
        from django.conf import settings

        bench = Benchmark(f"search_latency_{args.papers}", papers=args.papers,
                          queries=args.queries, bm25_parts=settings.SEARCH_BM25_PARTS)  # fmt: skip
        with bench:
            _measure(bench, papers=args.papers, queries=args.queries, profile=args.profile)


def _measure(bench: Benchmark, *, papers: int, queries: int, profile: bool) -> None:
    from benchmarks.bm25_latency import build
    from papers.models import PaperEmbedding
    from search.models import Bm25Document

    base = list(sample_records())
    if Bm25Document.objects.count() != papers:
        build(bench, papers=papers, base=base)
    if PaperEmbedding.objects.count() != papers:
        load_vectors(bench, papers=papers, base=base)
    run_queries(bench, title_queries(queries, base), profile=profile)


if __name__ == "__main__":
    main()
