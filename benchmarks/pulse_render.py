"""Render time of the Pulse page from stored results, for a busy week of 5,000 papers.

    python -m benchmarks.pulse_render

Stores 5,000 sample papers as one week in a scratch database, with their cached vectors
(see ``benchmarks.topic_quality``), clusters them, then times GET /pulse/ and one topic
page through Django's test client (the whole request: selectors, template, middleware).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.harness import Benchmark, percentile
from benchmarks.scratch_db import scratch_database

if TYPE_CHECKING:
    from django.test import Client

    from papers.harvest.records import ArxivRecord

WEEK = date(2026, 6, 8)
PAPERS = 5000
RUNS = 15


def _store_week() -> None:
    from django.conf import settings

    from benchmarks.topic_quality import sample_docs, sample_embeddings
    from papers.harvest.sample import LISTINGS_DIR, SampleSource
    from papers.models import Paper, PaperEmbedding
    from papers.services.papers import papers_upsert
    from papers.services.topics import topics_store, week_plan

    docs = sample_docs()
    vectors = dict(zip((d.arxiv_id for d in docs), sample_embeddings(docs), strict=True))
    records: list[ArxivRecord] = []
    seen: set[str] = set()
    source = SampleSource()
    for path in sorted(LISTINGS_DIR.glob("*.jsonl.gz")):
        for record in source._read(path, WEEK)[0]:
            if record.arxiv_id not in seen and len(records) < PAPERS:
                seen.add(record.arxiv_id)
                records.append(replace(record, announced_on=WEEK))
    papers_upsert(records=records)
    ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
    PaperEmbedding.objects.bulk_create(
        PaperEmbedding(
            paper_id=ids[r.arxiv_id],
            model_name=settings.EMBEDDING_MODEL,
            vector=vectors[r.arxiv_id],
            text_hash="",
        )
        for r in records
    )
    texts = {d.arxiv_id: d.text for d in docs}
    order = [r.arxiv_id for r in records]
    plan = week_plan(
        paper_ids=[ids[a] for a in order],
        texts=[texts[a] for a in order],
        vectors=np.array([vectors[a] for a in order]),
    )
    topics_store(week_start=WEEK, plan=plan)


def _time(client: Client, url: str) -> list[float]:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


def main() -> None:
    with scratch_database(), Benchmark("pulse_render", papers=PAPERS, runs=RUNS) as bench:
        from django.test import Client

        from papers.models import Topic, TopicPaper

        _store_week()
        client = Client()
        client.get("/pulse/")  # warm: templates compiled, connection open
        pulse = _time(client, "/pulse/")
        topic = Topic.objects.filter(is_outlier=False).order_by("-size").first()
        assert topic is not None
        pages = _time(client, f"/topics/{topic.pk}/")
        bench.record("stored_points", TopicPaper.objects.count())
        bench.record("pulse_p50_ms", percentile(pulse, 50), unit="ms", target="< 200")
        bench.record("pulse_p95_ms", percentile(pulse, 95), unit="ms")
        bench.record("topic_page_p50_ms", percentile(pages, 50), unit="ms", target="< 200")


if __name__ == "__main__":
    main()
