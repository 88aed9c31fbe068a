"""Embedding throughput (documents) and latency (queries), per backend, on real abstracts.

    python benchmarks/embed_throughput.py [--papers 200] [--queries 100] [--workers 1,2]
                                          [--heap-pairs 5] [--rounds 5]

Documents: title + abstract of real sample papers (256-token cap, as the model reads
them), encoded in batches of EMBEDDING_BATCH_SIZE, then the whole ``papers_embed``
service (encode + upsert) in a scratch database. Queries: the first six words of real
titles, one at a time, as a search box sends them.

Heap reuse (papers.embeddings.heap): torch encode in fresh processes with
EMBEDDING_HEAP_RETAIN_MB=0 and as set, alternately, medians of each.

Scale-out: 1, 2, … embed worker processes (spawned, torch threads per process set so that
processes x threads = cores, as EMBEDDING_TORCH_THREADS does for a Celery worker) take
chunks of paper ids from one queue and run the real ``papers_embed`` service on them, as
``embed_papers`` tasks fanned out by ``queue_embeddings`` would; throughput is counted
from when every process has its model loaded. On more machines (or a GPU worker,
EMBEDDING_DEVICE=cuda) the same chunks spread the same way.

The ceiling: the FLOPs the model needs for these documents, counted from their real token
lengths padded per batch as sentence-transformers pads them (per layer and token: 24 h^2
for the projections and feed-forward, 4 L h for attention; h = 384, 6 layers), divided
into the GFLOP/s torch's matrix multiply reaches on this CPU for the model's shapes, at
the precision documents are encoded with (EMBEDDING_PRECISION as resolved here) and at
float32. Both torch precisions are timed whichever is in use.

This machine's speed drifts by a third within minutes, so the judged figure compares like
with like: ``--rounds`` service runs, each between two measurements of the matmul rate the
CPU sustains for a second (the best of one multiply on every core and one single-threaded
multiply per core at once), and the median of the service's shares of those ceilings. The
best single matmul call, taken once, is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, percentile

Multiply = Callable[[Any], object]

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event


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
    parser.add_argument("--workers", default="1,2", help="embed worker processes to try")
    parser.add_argument("--rounds", type=int, default=5,
                        help="service runs between sustained matmuls (0: none)")  # fmt: skip
    parser.add_argument("--heap-pairs", type=int, default=5,
                        help="fresh processes, heap setting off then on, alternately")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("DIGEST_BENCH_DB", "digest_bench_embed")
    from benchmarks.ingest import sample_records
    from benchmarks.scratch_db import scratch_database

    with scratch_database(), Benchmark("embed_throughput", papers=args.papers) as bench:
        from django.conf import settings

        from papers.embeddings.encoder import TorchEncoder, document_encoder, query_encoder
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
        precision = torch.precision
        bench.parameters["precision"] = precision  # EMBEDDING_PRECISION as resolved here
        other = "fp32" if precision == "bf16" else "bf16"
        batch = settings.EMBEDDING_BATCH_SIZE
        backends: dict[str, Callable[[list[str]], object]] = {
            f"torch_{precision}": torch.encode,
            f"torch_{other}": TorchEncoder(model=torch.model, batch_size=batch,
                                           precision=other).encode,
        }  # fmt: skip
        started = time.perf_counter()
        onnx = query_encoder()
        if onnx is not torch:
            backends["onnx"] = onnx.encode
            bench.record("onnx_load_or_export_s", time.perf_counter() - started, unit="s")
        torch.encode(texts[:batch])  # warm-up
        for name, encode in backends.items():
            bench.record(f"{name}_docs_per_s", docs_per_s(encode, texts, batch), unit="docs/s")
            times = latencies_ms(encode, queries)
            bench.record(f"{name}_query_p50_ms", percentile(times, 50), unit="ms")
            bench.record(f"{name}_query_p95_ms", percentile(times, 95), unit="ms")
        bench.parameters["heap_retain_mb"] = settings.EMBEDDING_HEAP_RETAIN_MB
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        counts = papers_embed()
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        service = counts.embedded / elapsed
        bench.record("service_papers_embedded", counts.embedded, unit="papers")
        bench.record("service_docs_per_s", service, unit="docs/s")
        # Kernel work the heap setting exists to avoid (papers.embeddings.heap).
        per_doc = max(counts.embedded, 1)
        bench.record("service_page_faults_per_doc", (after.ru_minflt - usage.ru_minflt) / per_doc,
                     unit="faults")  # fmt: skip
        kernel, user = after.ru_stime - usage.ru_stime, after.ru_utime - usage.ru_utime
        bench.record("service_kernel_cpu_share", kernel / max(kernel + user, 1e-9))
        started = time.perf_counter()
        rerun = papers_embed()
        bench.record("service_rerun_embedded", rerun.embedded, unit="papers", target="0")
        bench.record("service_rerun_s", time.perf_counter() - started, unit="s")
        cores = os.cpu_count() or 1
        flops = flops_per_doc(texts, batch=batch)
        bench.record("model_gflop_per_doc", flops / 1e9, unit="GFLOP")
        for dtype in dict.fromkeys([precision, "fp32"]):
            gflops = gemm_gflops(threads=cores, dtype=dtype)
            bench.record(f"gemm_{dtype}_gflop_per_s", gflops, unit="GFLOP/s")
            bench.record(f"ceiling_{dtype}_docs_per_s", gflops * 1e9 / flops, unit="docs/s")
            # Against the briefest boost of one call, taken minutes apart from the service.
            bench.record(
                f"service_share_of_{dtype}_best_call_ceiling", service * flops / gflops / 1e9
            )
        against_ceiling(bench, rounds=args.rounds, flops=flops, dtype=precision)
        scale_out(bench, workers=[int(n) for n in args.workers.split(",")], chunk=batch)
        heap_reuse(bench, texts=texts, pairs=args.heap_pairs)


def flops_per_doc(texts: list[str], *, batch: int) -> float:
    """Mean FLOPs to encode one of ``texts`` with all-MiniLM-L6-v2-like shapes, padding included."""
    from papers.embeddings.encoder import document_encoder

    model = document_encoder().model
    config = model[0].auto_model.config
    hidden, layers, inter = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    lengths = sorted(
        len(ids) for ids in model.tokenizer(texts, truncation=True,
                                            max_length=model.max_seq_length)["input_ids"]
    )  # fmt: skip
    total = 0.0
    for start in range(0, len(lengths), batch):
        chunk = lengths[start : start + batch]
        padded = max(chunk)
        per_token = 2 * (4 * hidden * hidden + 2 * hidden * inter) + 4 * padded * hidden
        total += len(chunk) * padded * per_token * layers
    return total / len(lengths)


def feed_forward_operands(*, dtype: str, count: int = 1) -> tuple[list[Any], list[Multiply], int]:
    """``count`` inputs of the feed-forward shape, the two weight layouts a multiply may use
    ((in, out) as ``mm`` takes it, (out, in) as the model's ``linear`` layers hold it), and
    the FLOPs of one multiply."""
    import torch

    kind = torch.bfloat16 if dtype == "bf16" else torch.float32
    inputs = [torch.randn(4096, 384, dtype=kind) for _ in range(count)]
    in_out, out_in = torch.randn(384, 1536, dtype=kind), torch.randn(1536, 384, dtype=kind)
    layouts: list[Multiply] = [
        lambda a: torch.mm(a, in_out),
        lambda a: torch.nn.functional.linear(a, out_in),
    ]
    return inputs, layouts, 2 * 4096 * 384 * 1536


def gemm_gflops(*, threads: int, dtype: str = "fp32") -> float:
    """Best of several single matmuls of the feed-forward shape in ``dtype``, in GFLOP/s,
    in the faster weight layout."""
    import torch

    (a,), layouts, flop = feed_forward_operands(dtype=dtype)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    best = 0.0
    try:
        for multiply in layouts:
            multiply(a)
            for _ in range(20):
                started = time.perf_counter()
                multiply(a)
                best = max(best, flop / (time.perf_counter() - started) / 1e9)
    finally:
        torch.set_num_threads(previous)
    return best


def against_ceiling(bench: Benchmark, *, rounds: int, flops: float, dtype: str) -> None:
    """The service's share of the ceiling, with the ceiling measured around each run.

    This machine's speed drifts by a third within minutes (a shared virtual machine), so
    a service run is compared with the matmul rate sustained just before and just after
    it, round after round, and the median of those shares is the figure.
    """
    if rounds < 1:
        return
    import statistics

    from papers.services.embeddings import papers_embed

    rates, shares = [], []
    ceilings = [sustained_gemm_gflops(dtype=dtype)]
    for _ in range(rounds):
        started = time.perf_counter()
        embedded = papers_embed(only_missing=False).embedded
        rates.append(embedded / (time.perf_counter() - started))
        ceilings.append(sustained_gemm_gflops(dtype=dtype))
        around = (ceilings[-2] + ceilings[-1]) / 2
        shares.append(rates[-1] * flops / (around * 1e9))
    bench.parameters["ceiling_rounds"] = rounds
    bench.record("rounds_service_docs_per_s_median", statistics.median(rates), unit="docs/s")
    bench.record(f"rounds_gemm_{dtype}_sustained_gflop_per_s_median",
                 statistics.median(ceilings), unit="GFLOP/s")  # fmt: skip
    bench.record("rounds_service_share_of_ceiling_min", min(shares))
    bench.record("rounds_service_share_of_ceiling_max", max(shares))
    bench.record("rounds_service_share_of_ceiling_median", statistics.median(shares),
                 target=">= 0.9")  # fmt: skip


def sustained_gemm_gflops(*, dtype: str, seconds: float = 1.0) -> float:
    """The matmul rate this CPU holds for ``seconds`` now, at its best.

    The feed-forward shape in both weight layouts, as one multiply on every core and as one
    single-threaded multiply per core at once (as a prefork worker's processes run):
    whichever is fastest.
    """
    import threading

    import torch

    cores, previous = os.cpu_count() or 1, torch.get_num_threads()
    inputs, layouts, flop = feed_forward_operands(dtype=dtype, count=cores)

    def rate(multiply: Multiply, streams: int) -> float:
        calls = [0] * streams
        # A thread that fails before the start breaks the barrier instead of hanging it.
        ready = threading.Barrier(streams + 1, timeout=120)

        def run(stream: int) -> None:
            multiply(inputs[stream])  # warm-up: this thread's first call sets up its buffers
            ready.wait()
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                multiply(inputs[stream])
                calls[stream] += 1

        threads = [threading.Thread(target=run, args=(i,)) for i in range(streams)]
        for thread in threads:
            thread.start()
        ready.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        return sum(calls) * flop / (time.perf_counter() - started) / 1e9

    best = 0.0
    try:
        for streams in dict.fromkeys([1, cores]):
            torch.set_num_threads(cores // streams)
            best = max(best, *(rate(multiply, streams) for multiply in layouts))
    finally:
        torch.set_num_threads(previous)
    return best


def _embed_worker(
    database: str,
    threads: int,
    chunks: Queue[list[int] | None],
    results: Queue[object],
    start: Event,
) -> None:
    os.environ["EMBEDDING_TORCH_THREADS"] = str(threads)
    from benchmarks.harness import setup_django

    setup_django()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = database
    from papers.embeddings.encoder import document_encoder
    from papers.services.embeddings import papers_embed

    document_encoder().encode(["warm up the model"] * 4)
    results.put("ready")
    start.wait()
    embedded = 0
    while (chunk := chunks.get()) is not None:
        embedded += papers_embed(paper_ids=chunk, only_missing=False).embedded
    results.put(embedded)


def scale_out(bench: Benchmark, *, workers: list[int], chunk: int) -> None:
    import multiprocessing

    from django.db import connection

    from papers.models import Paper

    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    cores = os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")
    for count in workers:
        threads = max(1, cores // count)
        chunks, results, start = context.Queue(), context.Queue(), context.Event()
        args = (connection.settings_dict["NAME"], threads, chunks, results, start)
        processes = [context.Process(target=_embed_worker, args=args) for _ in range(count)]
        for process in processes:
            process.start()
        for _ in processes:
            results.get(timeout=300)
        for start_at in range(0, len(ids), chunk):
            chunks.put(ids[start_at : start_at + chunk])
        for _ in processes:
            chunks.put(None)
        started = time.perf_counter()
        start.set()
        embedded = sum(results.get(timeout=3600) for _ in processes)
        elapsed = time.perf_counter() - started
        for process in processes:
            process.join()
        bench.record(f"workers_{count}x{threads}_threads_docs_per_s", embedded / elapsed,
                     unit="docs/s")  # fmt: skip


def _encode_in_fresh_process(retain_mb: int, texts: list[str], results: Queue[object]) -> None:
    os.environ["EMBEDDING_HEAP_RETAIN_MB"] = str(retain_mb)
    from benchmarks.harness import setup_django

    setup_django()
    from django.conf import settings

    from papers.embeddings.encoder import document_encoder

    encoder = document_encoder()
    encoder.encode(texts[: settings.EMBEDDING_BATCH_SIZE])  # warm-up
    results.put([docs_per_s(encoder.encode, texts, settings.EMBEDDING_BATCH_SIZE)
                 for _ in range(3)])  # fmt: skip


def heap_reuse(bench: Benchmark, *, texts: list[str], pairs: int) -> None:
    """Torch encode in fresh processes, EMBEDDING_HEAP_RETAIN_MB 0 and as set, alternately.

    One run against another on this noisy machine differs by a third; alternating fresh
    processes and taking medians compares the two under the same conditions.
    """
    import multiprocessing
    import statistics

    from django.conf import settings

    if pairs < 1 or not settings.EMBEDDING_HEAP_RETAIN_MB:
        return
    context = multiprocessing.get_context("spawn")
    rates: dict[int, list[float]] = {0: [], settings.EMBEDDING_HEAP_RETAIN_MB: []}
    for _ in range(pairs):
        for retain_mb, samples in rates.items():
            results = context.Queue()
            process = context.Process(target=_encode_in_fresh_process,
                                      args=(retain_mb, texts, results))  # fmt: skip
            process.start()
            samples.extend(results.get(timeout=600))
            process.join()
    off, on = (statistics.median(samples) for samples in rates.values())
    bench.record("heap_glibc_default_median_docs_per_s", off, unit="docs/s")
    bench.record("heap_retained_median_docs_per_s", on, unit="docs/s")
    bench.record("heap_retained_speedup", on / off, unit="x")


if __name__ == "__main__":
    main()
