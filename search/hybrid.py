"""The search selectors: hybrid results with highlights, and similar papers."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import connection
from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.models import Authorship, Paper
from search.fusion import MODES, SORTS, Filters, RankedId, filtered_listing, fused_ranking
from search.query import ParsedQuery, SearchQueryError, parse_query

logger = logging.getLogger(__name__)

PER_PAGE = 20
SEMANTIC_DOWN = "Semantic search is unavailable right now; these are keyword (BM25) results."
MAX_PAGE = 50
# Private-use characters: our highlight markers, and stand-ins for < and > so that
# ts_headline does not take HTML-like text in an abstract for tags and drop it.
_MARK_OPEN, _MARK_CLOSE, _LT, _GT = "\ue000", "\ue001", "\ue002", "\ue003"
_PRIVATE = _MARK_OPEN + _MARK_CLOSE + _LT + _GT


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    mode: str = "hybrid"
    sort: str = "relevance"
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_until: date | None = None
    has_code: bool = False
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class SearchHit:
    paper: Paper
    score: float
    keyword_rank: int | None
    semantic_rank: int | None
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResults:
    request: SearchRequest
    parsed: ParsedQuery
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    arxiv_id: str | None = None  # the query named one paper
    notice: str = ""  # shown above the results, e.g. when semantic search is down

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    @property
    def has_next(self) -> bool:
        return self.request.page < min(self.pages, MAX_PAGE)


def search_papers(*, request: SearchRequest) -> SearchResults:
    """Run a search; raises SearchQueryError for input it cannot use."""
    _validate(request)
    parsed = parse_query(request.q)
    results = SearchResults(request=request, parsed=parsed)
    if parsed.arxiv_id:
        results.arxiv_id = parsed.arxiv_id
        return results
    filters = Filters.from_query(
        parsed, categories=request.categories, date_from=request.date_from,
        date_until=request.date_until, has_code=request.has_code,
    )  # fmt: skip
    offset = (request.page - 1) * request.per_page
    if parsed.text:
        mode, vector = request.mode, None
        if mode != "keyword":
            vector = _query_vector(parsed.text)
            if vector is None:
                mode, results.notice = "keyword", SEMANTIC_DOWN
        ranked = fused_ranking(
            text=parsed.text, query_vector=vector, filters=filters, mode=mode,
            sort=request.sort, limit=request.per_page, offset=offset,
        )  # fmt: skip
    elif filters.active:
        ranked = filtered_listing(
            filters=filters, sort=request.sort, limit=request.per_page, offset=offset
        )
    else:
        return results
    results.total = ranked[0].total if ranked else 0
    results.hits = _hits(ranked, text=parsed.text)
    return results


def _validate(request: SearchRequest) -> None:
    if request.mode not in MODES:
        raise SearchQueryError(f"mode must be one of {', '.join(MODES)}")
    if request.sort not in SORTS:
        raise SearchQueryError(f"sort must be one of {', '.join(SORTS)}")
    if not 1 <= request.page <= MAX_PAGE:
        raise SearchQueryError(f"page must be between 1 and {MAX_PAGE}")


def _query_vector(text: str) -> np.ndarray | None:
    """The query's embedding, or None when the encoder cannot run (logged, not raised)."""
    from papers.embeddings.encoder import EmbeddingError, encode_query

    try:
        return encode_query(text)
    except (EmbeddingError, ImportError, OSError, RuntimeError):
        logger.exception("query encoder unavailable; answering with keyword search")
        return None


def _hits(ranked: list[RankedId], *, text: str) -> list[SearchHit]:
    ids = [r.paper_id for r in ranked]
    papers = (
        Paper.objects.only(*_HIT_FIELDS)
        .prefetch_related(Prefetch("authorships", queryset=_BYLINES))
        .in_bulk(ids)
    )
    highlights = _highlights(ids, text=text) if text else {}
    hits = []
    for r in ranked:
        paper = papers[r.paper_id]
        title, snippet = highlights.get(r.paper_id, (paper.title_text, _lead(paper.abstract_text)))
        hits.append(SearchHit(paper, r.score, r.keyword_rank, r.semantic_rank,
                              _marked(title), _marked(snippet)))  # fmt: skip
    return hits


# What a result shows (the page and the API): not the raw LaTeX, comments, references.
_HIT_FIELDS = ("id", "arxiv_id", "version", "title_text", "abstract_text", "categories",
               "submitted_at")  # fmt: skip
# Bylines with their authors in one query (not two), names only.
_BYLINES = Authorship.objects.select_related("author").only(
    "paper_id", "position", "author__id", "author__name"
)


def _highlights(ids: list[int], *, text: str) -> dict[int, tuple[str, str]]:
    """Title and best abstract fragments with the query's words marked (ts_headline)."""
    options = f"StartSel={_MARK_OPEN}, StopSel={_MARK_CLOSE}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH q AS (
                SELECT to_tsquery('english'::regconfig,
                       coalesce(string_agg(quote_literal(lexeme), ' | '), '')) AS query
                FROM unnest(to_tsvector('english'::regconfig, %s))
            ), clean AS (
                SELECT id, translate(title_text, %s, %s) AS title,
                       translate(abstract_text, %s, %s) AS abstract
                FROM papers_paper WHERE id = ANY(%s)
            )
            SELECT clean.id,
                   ts_headline('english', clean.title, q.query, 'HighlightAll=true, {options}'),
                   ts_headline('english', clean.abstract, q.query,
                               'MaxFragments=2, MinWords=12, MaxWords=35,
                                FragmentDelimiter=" … ", {options}')
            FROM clean, q
            """,
            [text, *_SWAP, *_SWAP, ids],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


# translate(): drop our markers from the text, turn < and > into their stand-ins.
_SWAP = ("<>" + _PRIVATE, _LT + _GT)


def _marked(text: str) -> SafeString:
    """Escape everything, then turn our private markers into <mark> tags."""
    escaped = str(escape(text))
    for private, html in ((_MARK_OPEN, "<mark>"), (_MARK_CLOSE, "</mark>"), (_LT, "&lt;"),
                          (_GT, "&gt;")):  # fmt: skip
        escaped = escaped.replace(private, html)
    return mark_safe(escaped)


def _lead(text: str, words: int = 45) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


__all__ = ["SearchHit", "SearchQueryError", "SearchRequest", "SearchResults", "search_papers"]
