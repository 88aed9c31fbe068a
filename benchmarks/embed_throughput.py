"""Embedding throughput (documents) and latency (queries), per backend, on real abstracts.

    python benchmarks/embed_throughput.py [--papers 200] [--queries 100]

Documents: title + abstract of real sample papers (256-token cap, as the model reads
them), encoded in batches of EMBEDDING_BATCH_SIZE, then the whole ``papers_embed``
service (encode + upsert) in a scratch database. Queries: the first six words of real
titles, one at a time, as a search box sends them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, percentile


def docs_per_s(encode: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    ordered = sorted(texts, key=len)  # as sentence-transformers does: less padding
    started = time.perf_counter()
    for start in range(0, len(ordered), batch):
        encode(ordered[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def latencies_ms(encode: Callable[[list[str]], object], queries: list[str]) -> list[float]:
    encode(queries[:1])  # warm-up
    times = []
    for query in queries:
        started = time.perf_counter()
        encode([query])
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DIGEST_BENCH_DB", "digest_bench_embed")
    from benchmarks.ingest import sample_records
    from benchmarks.scratch_db import scratch_database

    with scratch_database(), Benchmark("embed_throughput", papers=args.papers) as bench:
        from django.conf import settings

        from papers.embeddings.encoder import document_encoder, query_encoder
        from papers.services import papers_upsert
        from papers.services.embeddings import embedding_text, papers_embed

        records = list(islice(sample_records(), args.papers))
        papers_upsert(records=records)
        from papers.models import Paper

        papers = list(Paper.objects.order_by("pk"))
        texts = [embedding_text(title=p.title_text, abstract=p.abstract_text) for p in papers]
        queries = [" ".join(p.title_text.split()[:6]) for p in papers[: args.queries]]
        started = time.perf_counter()
        torch = document_encoder()
        bench.record("torch_model_load_s", time.perf_counter() - started, unit="s")
        started = time.perf_counter()
        backends: dict[str, Callable[[list[str]], object]] = {"torch": torch.encode}
        onnx = query_encoder()
        if onnx is not torch:
            backends["onnx"] = onnx.encode
            bench.record("onnx_load_or_export_s", time.perf_counter() - started, unit="s")
        batch = settings.EMBEDDING_BATCH_SIZE
        torch.encode(texts[:batch])  # warm-up
        for name, encode in backends.items():
            bench.record(f"{name}_docs_per_s", docs_per_s(encode, texts, batch), unit="docs/s")
            times = latencies_ms(encode, queries)
            bench.record(f"{name}_query_p50_ms", percentile(times, 50), unit="ms")
            bench.record(f"{name}_query_p95_ms", percentile(times, 95), unit="ms")
        started = time.perf_counter()
        counts = papers_embed()
        elapsed = time.perf_counter() - started
        bench.record("service_papers_embedded", counts.embedded, unit="papers")
        bench.record("service_docs_per_s", counts.embedded / elapsed, unit="docs/s")
        started = time.perf_counter()
        rerun = papers_embed()
        bench.record("service_rerun_embedded", rerun.embedded, unit="papers", target="0")
        bench.record("service_rerun_s", time.perf_counter() - started, unit="s")


if __name__ == "__main__":
    main()
