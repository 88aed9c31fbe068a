"""JSON shapes of the search API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from search.selectors import SearchHit, SearchResults


def results_as_json(results: SearchResults, *, request: HttpRequest) -> dict[str, Any]:
    req = results.request
    return {
        "query": req.q,
        "mode": req.mode,
        "sort": req.sort,
        "page": req.page,
        "per_page": req.per_page,
        "total": results.total,
        "total_is_exact": results.total_is_exact,
        "has_next": results.has_next,
        "notice": results.notice,
        "paper": _redirect(results, request) if results.arxiv_id else None,
        "results": [_hit(hit, request) for hit in results.hits],
    }


def _redirect(results: SearchResults, request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("paper", args=[results.arxiv_id]))


def _hit(hit: SearchHit, request: HttpRequest) -> dict[str, Any]:
    paper = hit.paper
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title_text,
        "authors": hit.authors,
        "categories": paper.categories,
        "submitted_at": paper.submitted_at.isoformat() if paper.submitted_at else None,
        "url": request.build_absolute_uri(reverse("paper", args=[paper.arxiv_id])),
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "score": round(hit.score, 6),
        "keyword_rank": hit.keyword_rank,
        "semantic_rank": hit.semantic_rank,
        "title_highlight": str(hit.title_html),
        "snippet_highlight": str(hit.snippet_html),
    }
