"""Reads of the search app: the search page (results with highlights) and the index status.

A search runs as: parse the box (search.query), rank by BM25 (search.bm25) while the
query is encoded (search.vectors), fuse the two rankings (search.fusion), then one
statement filters (search.filters), orders and pages the fused candidates and reads what
each hit shows.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.models import Paper
from papers.trending import trending_ranking
from search.bm25 import keyword_ranking
from search.filters import Filters, filter_sql
from search.fusion import MODES, candidate_depth, fused_sql, keyword_depth
from search.highlight import MARK_CLOSE, MARK_OPEN, highlight_snippet, highlight_title, lead
from search.models import Bm25Corpus, Bm25Term
from search.query import ParsedQuery, SearchQueryError, parse_query
from search.vectors import query_vector_start

PER_PAGE = 20
MAX_PAGE = 50
SEMANTIC_DOWN = "Semantic search is unavailable right now; these are keyword (BM25) results."
SORTS = ("relevance", "newest", "trending")
# sort=trending orders by the site's one trending ranking (papers.trending) of this window;
# papers that are not trending follow, newest first.
TRENDING_WINDOW = "week"


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

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


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
    if parsed.text:
        page_sql = _ranked_page_sql(parsed.text, filters, request, results)
    elif filters.active:
        page_sql = _filtered_page_sql(filters, request)
    else:
        return results
    results.hits, results.total = _hits(*page_sql, text=parsed.text)
    return results


def _ranked_page_sql(
    text: str, filters: Filters, request: SearchRequest, results: SearchResults
) -> tuple[str, dict[str, Any]]:
    """The page of a search with words: BM25 ranked while the query is encoded, fused."""
    mode = request.mode
    pending = query_vector_start(text=text) if mode != "keyword" else None
    keyword_ids = _keyword_ids(text, mode, filters, request) if mode != "semantic" else []
    vector: np.ndarray | None = pending.result() if pending is not None else None
    if pending is not None and vector is None:
        mode, results.notice = "keyword", SEMANTIC_DOWN
        keyword_ids = _keyword_ids(text, mode, filters, request)
    depth = candidate_depth(limit=request.per_page, offset=request.offset, filtered=filters.active)
    fused, params = fused_sql(keyword_ids=keyword_ids, query_vector=vector, mode=mode, depth=depth)
    return _page_sql(f"({fused})", filters, request, params, order=_ORDER[request.sort])


def _filtered_page_sql(filters: Filters, request: SearchRequest) -> tuple[str, dict[str, Any]]:
    """The page of papers matching only filters (no words), newest or trending first."""
    order = _ORDER["trending" if request.sort == "trending" else "newest"]
    return _page_sql(None, filters, request, {}, order=order)


def _page_sql(
    candidates: str | None, filters: Filters, request: SearchRequest, params: dict[str, Any], *,
    order: str,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """One page of ``candidates`` (SQL of paper_id, score, keyword_rank, semantic_rank; all
    papers when None) that pass ``filters``: (id, score, keyword_rank, semantic_rank,
    total, ord), by ord."""
    where, filter_params = filter_sql(filters)
    params = {**params, **filter_params, **_sort_params(request.sort),
              "limit": request.per_page, "offset": request.offset}  # fmt: skip
    source = "papers_paper p" if candidates is None else (
        f"{candidates} f JOIN papers_paper p ON p.id = f.paper_id")  # fmt: skip
    ranks = "f.score, f.keyword_rank, f.semantic_rank" if candidates is not None else (
        "0.0::float8 AS score, NULL::int AS keyword_rank, NULL::int AS semantic_rank")  # fmt: skip
    sql = f"""
        SELECT p.id, {ranks}, count(*) OVER ()::int AS total,
               row_number() OVER (ORDER BY {order}) AS ord
        FROM {source}
        WHERE {where}
        ORDER BY {order}
        LIMIT %(limit)s OFFSET %(offset)s
    """
    return sql, params


def _keyword_ids(text: str, mode: str, filters: Filters, request: SearchRequest) -> list[int]:
    depth = keyword_depth(
        mode=mode, filtered=filters.active, limit=request.per_page, offset=request.offset
    )
    return keyword_ranking(text=text, k=depth)


def _validate(request: SearchRequest) -> None:
    if request.mode not in MODES:
        raise SearchQueryError(f"mode must be one of {', '.join(MODES)}")
    if request.sort not in SORTS:
        raise SearchQueryError(f"sort must be one of {', '.join(SORTS)}")
    if not 1 <= request.page <= MAX_PAGE:
        raise SearchQueryError(f"page must be between 1 and {MAX_PAGE}")


# A paper's place in the trending ranking, looked up in a jsonb object {id: place}.
_TRENDING_PLACE = "coalesce((%(trending_places)s::jsonb ->> p.id::text)::int, 2147483647)"
_ORDER = {
    "relevance": "f.score DESC, p.id",
    "newest": "p.submitted_at DESC NULLS LAST, p.id DESC",
    "trending": f"{_TRENDING_PLACE}, p.submitted_at DESC NULLS LAST, p.id DESC",
}


def _sort_params(sort: str) -> dict[str, Any]:
    """The trending ranking's places when the page is sorted by it (else nothing)."""
    if sort != "trending":
        return {}
    ranked = trending_ranking(window=TRENDING_WINDOW, day=timezone.localdate())
    return {"trending_places": json.dumps({r.paper_id: n for n, r in enumerate(ranked, 1)})}


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
