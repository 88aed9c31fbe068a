"""The harvest pipeline, composed in one visible place.

    harvest RSS listings → harvest the export API → fetch what is missing (completeness)
    → BM25 index → embeddings → topics of weeks that have none → a first draft (fresh install)

Each step is an idempotent task on its own queue (harvest, default, embed); a failing
step retries with backoff and the steps after it wait. BM25 indexing runs before the
slow embedding step so that keyword search sees new papers first. The nightly topics
recompute and the daily email run from their own beat entries.
"""

from __future__ import annotations

from celery import chain
from celery.canvas import Signature

from papers.tasks import (
    harvest_arxiv,
    harvest_reconcile,
    harvest_rss,
    queue_embeddings,
    topics_for_new_weeks,
)
from search.tasks import bm25_index
from writing.tasks import draft_first_week


def refresh_derived_data() -> Signature:
    """After papers change: make keyword and then semantic search see them, then topics.

    Embedding is fanned out in chunks across the embed workers (``queue_embeddings``);
    when every chunk is done, ``after_embedding`` runs.
    """
    return chain(bm25_index.si(), queue_embeddings.si(then=after_embedding()))


def after_embedding() -> Signature:
    """Weeks whose vectors now exist get their topics at once (not at the nightly run);
    on a fresh install the latest of them also gets a first, extractive draft."""
    return chain(topics_for_new_weeks.si(), draft_first_week.si())


def daily_pipeline() -> Signature:
    """The morning run after arXiv's announcement."""
    return chain(harvest_rss.si(), harvest_arxiv.si(), harvest_reconcile.si(),
                 refresh_derived_data())  # fmt: skip
