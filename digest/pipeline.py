"""The harvest pipeline, composed in one visible place.

    harvest RSS listings → harvest the export API → fetch what is missing (completeness)
    → BM25 index → embeddings

Each step is an idempotent task on its own queue (harvest, default, embed); a failing
step retries with backoff and the steps after it wait. BM25 indexing runs before the
slow embedding step so that keyword search sees new papers first. Topics (nightly) and
the daily email run from their own beat entries, after this has finished.
"""

from __future__ import annotations

from celery import chain
from celery.canvas import Signature

from papers.tasks import harvest_arxiv, harvest_reconcile, harvest_rss, queue_embeddings
from search.tasks import bm25_index


def refresh_derived_data() -> Signature:
    """After papers change: make keyword and then semantic search see them.

    Embedding is fanned out in chunks across the embed workers (``queue_embeddings``).
    """
    return chain(bm25_index.si(), queue_embeddings.si())


def daily_pipeline() -> Signature:
    """The morning run after arXiv's announcement."""
    return chain(harvest_rss.si(), harvest_arxiv.si(), harvest_reconcile.si(),
                 refresh_derived_data())  # fmt: skip
