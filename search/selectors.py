"""Reads of the search app."""

from __future__ import annotations

from dataclasses import dataclass

from search.models import Bm25Corpus, Bm25Term


@dataclass(frozen=True)
class Bm25Status:
    doc_count: int  # live N
    avgdl: float  # live average document length
    scored_doc_count: int  # N the stored impacts use
    scored_avgdl: float  # avgdl the stored impacts use
    terms: int


def bm25_status() -> Bm25Status:
    """Live and scored statistics of the BM25 index (zeros before the first indexing)."""
    corpus = Bm25Corpus.objects.filter(id=1).first() or Bm25Corpus()
    return Bm25Status(
        doc_count=corpus.doc_count,
        avgdl=corpus.avgdl,
        scored_doc_count=corpus.scored_doc_count,
        scored_avgdl=corpus.scored_avgdl,
        terms=Bm25Term.objects.count(),
    )
