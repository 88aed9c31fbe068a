"""Celery entry points of the search app."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from digest.lib.tasks import DATABASE_ERRORS
from search.services import bm25_index_papers


@shared_task(
    name="search.tasks.bm25_index",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def bm25_index(paper_ids: list[int] | None = None) -> dict[str, object]:
    """Index new and changed papers for BM25 (all papers when ``paper_ids`` is None)."""
    return asdict(bm25_index_papers(paper_ids=paper_ids))
