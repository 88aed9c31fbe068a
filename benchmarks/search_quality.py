"""Retrieval quality of the real search code path on a BEIR set (default: SciFact).

The corpus is loaded as papers into a scratch database, indexed for BM25, embedded with
the configured model, and every test query runs through ``search.selectors.search_papers``
in keyword, semantic and hybrid mode. Prints nDCG@10 and Recall@100 per mode.

    python benchmarks/search_quality.py [--beir PATH] [--split test]

Published BM25 on SciFact (BEIR paper): nDCG@10 0.665.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.beir import load_corpus, load_qrels, load_queries, ndcg_at, recall_at
from benchmarks.harness import Benchmark

DEFAULT_SET = Path(__file__).resolve().parent / "data" / "beir-scifact"
MODES = ("keyword", "semantic", "hybrid")


def load_documents(path: Path) -> dict[str, str]:
    """Store the corpus as papers; returns paper arxiv_id -> BEIR doc id."""
    from papers.harvest.records import ArxivRecord
    from papers.services import papers_upsert

    ids: dict[str, str] = {}

    def records():
        for doc in load_corpus(path):
            key = f"beir-{doc.doc_id}"[:40]
            ids[key] = doc.doc_id
            yield ArxivRecord(arxiv_id=key, version=1, title=doc.title, abstract=doc.text,
                              authors=(), source="beir")  # fmt: skip

    papers_upsert(records=records())
    return ids


def prepare_indexes() -> dict[str, float]:
    from tqdm import tqdm

    from papers.models import Paper
    from papers.services.embeddings import papers_embed
    from search.services import bm25_index_papers

    started = time.perf_counter()
    bm25_index_papers()
    bm25_s = time.perf_counter() - started
    with tqdm(total=Paper.objects.count(), desc="embed", unit=" doc") as bar:
        started = time.perf_counter()
        papers_embed(on_batch=lambda counts: bar.update(counts))
        embed_s = time.perf_counter() - started
    return {"bm25_index_s": bm25_s, "embed_s": embed_s}


def evaluate(queries: dict[str, str], qrels: dict[str, dict[str, int]], ids: dict[str, str],
             mode: str) -> tuple[float, float, float, float]:  # fmt: skip
    from search.selectors import SearchRequest, search_papers

    ndcgs, recalls, pages, started = [], [], [], time.perf_counter()
    for query_id, text in queries.items():
        results = search_papers(request=SearchRequest(q=text, mode=mode, per_page=100))
        ranked = [ids[hit.paper.arxiv_id] for hit in results.hits]
        ndcgs.append(ndcg_at(ranked, qrels[query_id], 10))
        recalls.append(recall_at(ranked, qrels[query_id], 100))
        page = search_papers(request=SearchRequest(q=text, mode=mode))  # as served: 20 a page
        pages.append(ndcg_at([ids[hit.paper.arxiv_id] for hit in page.hits], qrels[query_id], 10))
    per_query_ms = (time.perf_counter() - started) * 1000 / max(1, 2 * len(queries))
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    return mean(ndcgs), mean(recalls), mean(pages), per_query_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beir", type=Path, default=DEFAULT_SET)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    from benchmarks.scratch_db import scratch_database

    name = f"search_quality_{args.beir.name.replace('-', '_')}"
    with scratch_database(), Benchmark(name, dataset=str(args.beir), split=args.split) as bench:
        ids = load_documents(args.beir)
        qrels = load_qrels(args.beir, split=args.split)
        queries = load_queries(args.beir, ids=set(qrels))
        bench.record("documents", len(ids), unit="docs")
        bench.record("queries", len(queries), unit="queries")
        for key, seconds in prepare_indexes().items():
            bench.record(key, seconds, unit="s")
        for mode in MODES:
            ndcg, recall, page_ndcg, ms = evaluate(queries, qrels, ids, mode)
            target = {"keyword": ">= 0.645 (BEIR BM25 0.665)", "hybrid": ">= 0.70"}.get(mode, "")
            bench.record(f"{mode}_ndcg@10", ndcg, target=target)
            bench.record(f"{mode}_recall@100", recall)
            # The first page as served (20 results; hybrid draws BM25's top 20, not 100).
            bench.record(f"{mode}_first_page_ndcg@10", page_ndcg, target=target)
            bench.record(f"{mode}_ms_per_query", ms, unit="ms")


if __name__ == "__main__":
    main()
