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
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.models import Paper
from papers.trending import trending_ranking
from search.bm25 import (
    QueryTerms,
    keyword_match_count,
    keyword_ranking,
    keyword_ranking_within,
    query_terms,
)
from search.filters import Filters, filter_sql
from search.fusion import (
    MAX_CANDIDATES,
    MODES,
    Fused,
    FusionParams,
    candidate_depth,
    coverage,
    fuse,
    keyword_depth,
    keyword_weight,
)
from search.highlight import MARK_CLOSE, MARK_OPEN, highlight_snippet, highlight_title, lead
from search.models import Bm25Corpus, Bm25Term
from search.query import ParsedQuery, SearchQueryError, parse_query
from search.vectors import query_vector_start, semantic_ranking, vector_literal

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
    total: int = 0  # matching papers: a count, or an estimate when not total_is_exact
    total_is_exact: bool = True
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
        results.hits, _ = _hits(*page_sql, text=parsed.text)
    elif filters.active:
        results.hits, results.total = _hits(*_filtered_page_sql(filters, request), text="")
    return results


@dataclass(frozen=True)
class _Side:
    ranking: list[tuple[int, float]]  # (paper id, score), best first
    total: int  # matching papers (after the record filters)
    exact: bool  # whether ``total`` is a count rather than an estimate

    @property
    def complete(self) -> bool:
        """Whether every match is in ``ranking``."""
        return self.exact and len(self.ranking) == self.total


_NONE = _Side([], 0, exact=True)


def _ranked_page_sql(
    text: str, filters: Filters, request: SearchRequest, results: SearchResults
) -> tuple[str, dict[str, Any]]:
    """The page of a search with words: BM25 ranked while the query is encoded, fused.

    Hybrid draws both sides deeper until the page is settled: no paper that neither side
    has drawn could score above the page's last paper (see _unseen_bound).
    """
    mode = request.mode
    pending = query_vector_start(text=text) if mode != "keyword" else None
    terms = query_terms(text=text)
    depths = (keyword_depth(mode=mode, limit=request.per_page, offset=request.offset),
              candidate_depth(limit=request.per_page, offset=request.offset))  # fmt: skip
    keyword = _keyword_side(terms, text, filters, depths[0]) if mode != "semantic" else _NONE
    vector: np.ndarray | None = pending.result() if pending is not None else None
    if pending is not None and vector is None:
        mode, results.notice = "keyword", SEMANTIC_DOWN
        depths = (candidate_depth(limit=request.per_page, offset=request.offset), depths[1])
        keyword = _keyword_side(terms, text, filters, depths[0])
    semantic = _NONE
    if vector is not None and mode != "keyword":
        semantic = _semantic_side(vector, filters, depths[1])
    fused, bound = _fused(terms, vector, mode, keyword, semantic)
    needed = request.offset + request.per_page
    while mode == "hybrid" and not _settled(fused, bound, needed) and depths != _DEEPEST:
        depths = (min(MAX_CANDIDATES, depths[0] * 5), min(MAX_CANDIDATES, depths[1] * 3))
        keyword = _keyword_side(terms, text, filters, depths[0])
        semantic = _semantic_side(vector, filters, depths[1]) if vector is not None else _NONE
        fused, bound = _fused(terms, vector, mode, keyword, semantic)
    results.total, results.total_is_exact = _total(mode, keyword, semantic, fused, filters)
    return _fused_page_sql(fused, filters, request)


_DEEPEST = (MAX_CANDIDATES, MAX_CANDIDATES)


def _settled(fused: list[Fused], bound: float, needed: int) -> bool:
    """Whether the first ``needed`` papers are in their final order: all score above the
    most an undrawn paper could (a paper at the bound could tie, so strictly above)."""
    if bound <= 0:
        return True
    return len(fused) >= needed and fused[needed - 1].score > bound


def _keyword_side(terms: QueryTerms, text: str, filters: Filters, depth: int) -> _Side:
    if not any(terms.dfs):
        return _NONE
    if filters.narrows_papers:
        where, params = filter_sql(filters, text=False)
        ranking, total = keyword_ranking_within(terms=terms, k=depth, where=where, params=params)
        return _Side(ranking, total, exact=True)
    ranking = keyword_ranking(text=text, k=depth)
    if len(ranking) < depth:
        return _Side(ranking, len(ranking), exact=True)
    return _Side(ranking, *keyword_match_count(terms=terms))


def _semantic_side(vector: np.ndarray, filters: Filters, depth: int) -> _Side:
    where, params = filter_sql(filters, text=False)
    side = semantic_ranking(
        vector=vector, k=depth, where=where, params=params, filtered=filters.narrows_papers
    )
    return _Side(side.ranking, side.total, side.exact)


def _fused(
    terms: QueryTerms, vector: np.ndarray | None, mode: str, keyword: _Side, semantic: _Side
) -> tuple[list[Fused], float]:
    """Both sides' candidates with both scores each (looked up where a side lacks one),
    fused; and the most a paper neither side has drawn could score."""
    keyword_scores_ = dict(keyword.ranking)
    similarities_ = dict(semantic.ranking)
    extra_keyword, extra_similarity = _other_side_scores(
        terms=terms, vector=vector,
        keyword_of=[i for i, _ in semantic.ranking if i not in keyword_scores_],
        similarity_of=[i for i, _ in keyword.ranking if i not in similarities_],
    )  # fmt: skip
    keyword_scores_ |= extra_keyword
    similarities_ |= extra_similarity
    params = FusionParams.from_settings()
    best = keyword.ranking[0][1] if keyword.ranking else 0.0
    weight = keyword_weight(
        mode=mode, coverage=coverage(best_keyword=best, idf_sum=terms.idf_sum), params=params
    )
    fused = fuse(
        keyword=keyword.ranking, semantic=semantic.ranking, keyword_scores=keyword_scores_,
        similarities=similarities_, weight=weight, floor=params.floor,
    )  # fmt: skip
    return fused, _unseen_bound(keyword, semantic, weight, params.floor)


def _other_side_scores(
    *, terms: QueryTerms, vector: np.ndarray | None, keyword_of: list[int],
    similarity_of: list[int],
) -> tuple[dict[int, float], dict[int, float]]:  # fmt: skip
    """The BM25 scores of ``keyword_of`` and the similarities of ``similarity_of``, in one
    statement (each by primary-key lookups)."""
    if not keyword_of and (vector is None or not similarity_of):
        return {}, {}
    params = {"terms": list(terms.lexemes), "keyword_of": keyword_of,
              "similarity_of": similarity_of if vector is not None else [],
              "vector": vector_literal(vector) if vector is not None else "[0]",
              "model": settings.EMBEDDING_MODEL}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_OTHER_SIDE_SQL, params)
        rows = cursor.fetchall()
    keyword = {int(i): float(v) for side, i, v in rows if side == "k"}
    return keyword, {int(i): float(v) for side, i, v in rows if side == "s"}


_OTHER_SIDE_SQL = """
SELECT 'k', e.paper_id, sum(e.impact) FROM search_bm25posting e
WHERE e.paper_id = ANY(%(keyword_of)s::bigint[]) AND e.lexeme = ANY(%(terms)s::text[])
GROUP BY e.paper_id
UNION ALL
SELECT 's', v.paper_id, 1.0 - (v.vector <=> %(vector)s::vector) FROM papers_paperembedding v
WHERE v.model_name = %(model)s AND v.paper_id = ANY(%(similarity_of)s::bigint[])
"""


def _unseen_bound(keyword: _Side, semantic: _Side, weight: float, floor: float) -> float:
    """An undrawn paper's BM25 is at most the last drawn one's and its similarity at most
    the last drawn one's (0 and below the floor when a side has drawn every match)."""
    bound = 0.0
    if keyword.ranking and not keyword.complete:
        bound += weight * keyword.ranking[-1][1] / keyword.ranking[0][1]
    if semantic.ranking and not semantic.complete:
        best, last = semantic.ranking[0][1], semantic.ranking[-1][1]
        if best > floor:
            bound += (1.0 - weight) * (last - floor) / (best - floor)
    return bound


def _total(
    mode: str, keyword: _Side, semantic: _Side, fused: list[Fused], filters: Filters
) -> tuple[int, bool]:
    """How many papers match: counted when every match is in hand or the index counts them,
    otherwise estimated; the same on every page (nothing here depends on the page)."""
    if mode == "keyword" or not semantic.ranking:
        total, exact = keyword.total, keyword.exact
    elif mode == "semantic" or not keyword.ranking:
        total, exact = semantic.total, semantic.exact
    elif semantic.complete:  # the union: keyword matches plus the semantic ones without a word
        total = keyword.total + sum(1 for f in fused if f.semantic_rank and not f.keyword_score)
        exact = keyword.exact
    else:  # the share of semantic matches that hold no query word, from its head
        head = [f for f in fused if f.semantic_rank and f.semantic_rank <= _HEAD]
        wordless = sum(1 for f in head if not f.keyword_score) / max(1, len(head))
        total, exact = keyword.total + round(semantic.total * wordless), False
    if filters.matches_text:
        total, exact = _text_filtered_total(total, exact, keyword, semantic, fused, filters)
    return max(total, 0), exact


def _text_filtered_total(
    total: int, exact: bool, keyword: _Side, semantic: _Side, fused: list[Fused],
    filters: Filters,
) -> tuple[int, bool]:  # fmt: skip
    """Phrases and exclusions are tested on candidates: all of them when every match is in
    hand (a count), else the head of the ranking (an estimate from the share that pass)."""
    complete = keyword.complete and (semantic.complete or not semantic.ranking)
    ids = [f.paper_id for f in (fused if complete else fused[:_HEAD])]
    where, params = filter_sql(filters, records=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM papers_paper p WHERE p.id = ANY(%(ids)s::bigint[]) AND {where}",
            {**params, "ids": ids},
        )
        (passing,) = cursor.fetchone()
    if complete:
        return int(passing), exact
    return round(total * passing / max(1, len(ids))), False


# How many of the best candidates the estimates above look at (every page draws at least as many).
_HEAD = 100


def _fused_page_sql(
    fused: list[Fused], filters: Filters, request: SearchRequest
) -> tuple[str, dict[str, Any]]:
    candidates = (
        "unnest(%(ids)s::bigint[], %(scores)s::float8[], %(keyword_ranks)s::int[],"
        " %(semantic_ranks)s::int[], %(keyword_scores)s::float8[], %(similarities)s::float8[])"
        " AS f(paper_id, score, keyword_rank, semantic_rank, keyword_score, similarity)"
    )
    params = {
        "ids": [f.paper_id for f in fused],
        "scores": [f.score for f in fused],
        "keyword_ranks": [f.keyword_rank for f in fused],
        "semantic_ranks": [f.semantic_rank for f in fused],
        "keyword_scores": [f.keyword_score for f in fused],
        "similarities": [f.similarity for f in fused],
    }
    where, filter_params = filter_sql(filters, records=False)
    return _page_sql(candidates, where, {**params, **filter_params}, request,
                     order=_ORDER[request.sort])  # fmt: skip


def _filtered_page_sql(filters: Filters, request: SearchRequest) -> tuple[str, dict[str, Any]]:
    """The page of papers matching only filters (no words), newest or trending first."""
    order = _ORDER["trending" if request.sort == "trending" else "newest"]
    where, params = filter_sql(filters)
    return _page_sql(None, where, params, request, order=order)


def _page_sql(
    candidates: str | None, where: str, params: dict[str, Any], request: SearchRequest, *,
    order: str,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """One page of ``candidates`` (a row source ``f`` of paper_id, score, keyword_rank,
    semantic_rank; all papers when None) that pass ``where``: (id, score, keyword_rank,
    semantic_rank, total, ord), by ord; total counts the rows that pass."""
    params = {**params, **_sort_params(request.sort),
              "limit": request.per_page, "offset": request.offset}  # fmt: skip
    source = "papers_paper p" if candidates is None else (
        f"{candidates} JOIN papers_paper p ON p.id = f.paper_id")  # fmt: skip
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
    # Ties: the stronger keyword evidence, then the stronger similarity, then the newer paper.
    "relevance": "f.score DESC, f.keyword_score DESC, f.similarity DESC NULLS LAST,"
    " p.submitted_at DESC NULLS LAST, p.id",
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
