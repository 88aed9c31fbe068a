"""The search selectors: hybrid results with highlights, and similar papers."""

from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from digest.lib.threads import process_pool
from papers.models import Paper
from search.fusion import (
    MODES,
    SORTS,
    Filters,
    filtered_page_sql,
    fused_page_sql,
    keyword_depth,
    keyword_ranking,
)
from search.highlight import MARK_CLOSE, MARK_OPEN, highlight_snippet, highlight_title, lead
from search.query import ParsedQuery, SearchQueryError, parse_query

logger = logging.getLogger(__name__)

PER_PAGE = 20
SEMANTIC_DOWN = "Semantic search is unavailable right now; these are keyword (BM25) results."
MAX_PAGE = 50


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
    paper: Paper  # the fields a result shows (_HIT_FIELDS); others load on access
    authors: list[str]  # names in byline order
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
        mode = request.mode
        # The query is encoded in another thread while PostgreSQL ranks by BM25: the two
        # costs overlap instead of adding up (ONNX Runtime releases the GIL).
        pending = None
        if mode != "keyword":
            pending = _encoding_pool().submit(_query_vector, parsed.text)
        keyword_ids = []
        if mode != "semantic":
            keyword_ids = _keyword_ids(parsed.text, mode, filters, request)
        vector = pending.result() if pending is not None else None
        if pending is not None and vector is None:
            mode, results.notice = "keyword", SEMANTIC_DOWN
            keyword_ids = _keyword_ids(parsed.text, mode, filters, request)
        page_sql = fused_page_sql(
            keyword_ids=keyword_ids, query_vector=vector, filters=filters, mode=mode,
            sort=request.sort, limit=request.per_page, offset=offset,
        )  # fmt: skip
    elif filters.active:
        page_sql = filtered_page_sql(
            filters=filters, sort=request.sort, limit=request.per_page, offset=offset
        )
    else:
        return results
    results.hits, results.total = _hits(*page_sql, text=parsed.text)
    return results


def _keyword_ids(text: str, mode: str, filters: Filters, request: SearchRequest) -> list[int]:
    offset = (request.page - 1) * request.per_page
    depth = keyword_depth(mode=mode, filters=filters, limit=request.per_page, offset=offset)
    return keyword_ranking(text=text, k=depth)


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


def _encoding_pool() -> ThreadPoolExecutor:
    """This process's query-encoding threads."""
    return process_pool("encode", workers=2)


def _hits(page_sql: str, params: dict[str, Any], *, text: str) -> tuple[list[SearchHit], int]:
    """The page's hits and the size of the whole pool, in one statement with ``page_sql``."""
    sql = _HITS_SQL.format(page=page_sql, fields=_HIT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "hl_text": text})
        rows = cursor.fetchall()
    hits = []
    for _, score, keyword_rank, semantic_rank, _, *fields, authors, lexemes in rows:
        paper = Paper.from_db(connection.alias, _HIT_FIELDS, fields)
        if lexemes:
            title = highlight_title(paper.title_text, lexemes)
            snippet = highlight_snippet(paper.abstract_text, lexemes)
        else:
            title, snippet = paper.title_text, lead(paper.abstract_text)
        hits.append(SearchHit(paper, authors, score, keyword_rank, semantic_rank,
                              _marked(title), _marked(snippet)))  # fmt: skip
    return hits, (rows[0][4] if rows else 0)


# What a result shows (the page and the API): not the raw LaTeX, comments, references;
# in the model's field order, as Model.from_db wants them.
_HIT_FIELDS = [
    f.attname for f in Paper._meta.concrete_fields
    if f.attname in {"id", "arxiv_id", "version", "title_text", "abstract_text", "categories",
                     "submitted_at"}
]  # fmt: skip
_HIT_COLUMNS = ", ".join(f"p.{name}" for name in _HIT_FIELDS)
# The page's rows, then what each hit shows: its fields, its byline and the query's
# lexemes (by PostgreSQL's analysis, as BM25 sees them) for search.highlight.
_HITS_SQL = """
WITH page AS MATERIALIZED ({page})
SELECT page.id, page.score, page.keyword_rank, page.semantic_rank, page.total, {fields},
       ARRAY(SELECT a.name FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id
             WHERE s.paper_id = p.id ORDER BY s.position) AS authors,
       ARRAY(SELECT lexeme FROM unnest(to_tsvector('english'::regconfig, %(hl_text)s)))
FROM page JOIN papers_paper p ON p.id = page.id
ORDER BY page.ord
"""


def _marked(text: str) -> SafeString:
    """Escape everything, then turn the highlighter's private markers into <mark> tags."""
    return mark_safe(str(escape(text)).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


__all__ = ["SearchHit", "SearchQueryError", "SearchRequest", "SearchResults", "search_papers"]
