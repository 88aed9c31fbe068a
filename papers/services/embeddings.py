"""Writes of paper vectors: embed what is missing or stale, batch by batch, idempotently."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.embeddings.encoder import encode_documents
from papers.models import Paper, PaperEmbedding
from papers.selectors import papers_needing_embedding


@dataclass
class EmbedCounts:
    embedded: int = 0
    batches: int = 0


def embedding_text(*, title: str, abstract: str) -> str:
    """What a paper's vector says: its plain title, then its plain abstract."""
    return f"{title}. {abstract}"


def embedding_text_hash(*, text: str) -> str:
    """sha256 hex of the embedded text; mirrored in SQL by ``embedding_text_hash_sql``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def papers_embed(
    *,
    paper_ids: list[int] | None = None,
    only_missing: bool = True,
    batch_size: int | None = None,
    on_batch: Callable[[int], object] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> EmbedCounts:
    """Embed papers lacking a current vector (all selected ones if not ``only_missing``).

    Walks papers by id, ``batch_size`` (default EMBEDDING_WINDOW) at a time: each batch
    is encoded in one call, which sorts it by length so that model batches pad little,
    and written in one short transaction (an upsert on paper_id), so an interrupted run
    resumes where it stopped; a second run embeds nothing. ``should_stop`` is asked between
    model batches: when it answers True the window being encoded is dropped unwritten and
    ``EmbeddingStopped`` is raised (every written window is complete).
    """
    size = batch_size or settings.EMBEDDING_WINDOW
    pending = papers_needing_embedding(
        model_name=settings.EMBEDDING_MODEL, paper_ids=paper_ids, only_missing=only_missing
    )
    counts, last_id = EmbedCounts(), 0
    while batch := list(pending.filter(pk__gt=last_id)[:size]):
        _embed_batch(batch, should_stop=should_stop)
        counts.embedded += len(batch)
        counts.batches += 1
        last_id = batch[-1].pk
        if on_batch is not None:
            on_batch(len(batch))
    return counts


def _embed_batch(papers: list[Paper], *, should_stop: Callable[[], bool] | None) -> None:
    texts = [embedding_text(title=p.title_text, abstract=p.abstract_text) for p in papers]
    # Outside the transaction: encoding takes seconds.
    vectors = encode_documents(texts, should_stop=should_stop)
    now, model_name = timezone.now(), settings.EMBEDDING_MODEL
    rows = [
        PaperEmbedding(
            paper_id=paper.pk,
            model_name=model_name,
            vector=vector,
            text_hash=embedding_text_hash(text=text),
            created=now,
        )
        for paper, text, vector in zip(papers, texts, vectors, strict=True)
    ]
    with transaction.atomic():
        PaperEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["paper"],
            update_fields=["model_name", "vector", "text_hash", "created"],
        )
