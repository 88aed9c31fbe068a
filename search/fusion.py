"""Hybrid search: BM25 and vector kNN fused by reciprocal rank fusion, in SQL.

Each side contributes its top ``k`` candidates: BM25 through ``search_bm25_best`` (the
threshold algorithm, or a plain sum when the query's postings are few), run as its own
statements, one per part of the corpus on as many connections (``keyword_ranking``), so
that it overlaps the query's encoding (search/hybrid.py), and pgvector's
HNSW index (``hnsw.ef_search`` is set per connection in settings) inside the fusion
statement. A paper's fused score is  Σ_side weight_side / (rrf_k + rank_side), with
rrf_k = 60 (Cormack et al. 2009). Filters (categories, dates, authors, phrases,
exclusions, code) apply to the fused candidates; a filtered search draws deeper
candidate lists so that filters do not starve the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from digest.lib.threads import process_pool
from papers.trending import trending_ranking
from search.bm25 import MAX_QUERY_TERMS
from search.query import ParsedQuery

MODES = ("hybrid", "keyword", "semantic")
SORTS = ("relevance", "newest", "trending")
# sort=trending orders by the site's one trending ranking (papers.trending) of this window;
# papers that are not trending follow, newest first.
TRENDING_WINDOW = "week"
MAX_CANDIDATES = 1000
# In hybrid mode BM25 contributes as many candidates as the page needs (at least 20), not
# 100: the threshold algorithm's cost grows with k on common-word queries (the latency
# tail: p95 101 ms at k=100, 32 ms at k=20 on 100k papers), and SciFact's first-page
# nDCG@10 does not drop (0.712 at 100, 0.717 at 20; README).
HYBRID_KEYWORD_DEPTH = 20


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    date_from: Any = None
    date_until: Any = None
    has_code: bool = False

    @property
    def active(self) -> bool:
        return bool(self.categories or self.authors or self.phrases or self.excluded
                    or self.date_from or self.date_until or self.has_code)  # fmt: skip

    @classmethod
    def from_query(cls, parsed: ParsedQuery, **extra: Any) -> Filters:
        categories = tuple(dict.fromkeys((*parsed.categories, *extra.pop("categories", ()))))
        return cls(
            categories=categories, authors=parsed.authors, phrases=parsed.phrases,
            excluded=parsed.excluded, date_from=extra.pop("date_from", None) or parsed.date_from,
            date_until=extra.pop("date_until", None) or parsed.date_until, **extra,
        )  # fmt: skip


def keyword_depth(*, mode: str, filters: Filters, limit: int, offset: int) -> int:
    """How many BM25 candidates a search draws (see HYBRID_KEYWORD_DEPTH)."""
    depth = _candidate_depth(limit=limit, offset=offset, filtered=filters.active)
    if mode == "keyword" or filters.active:
        return depth
    return min(depth, max(HYBRID_KEYWORD_DEPTH, limit + offset))


def keyword_ranking(*, text: str, k: int) -> list[int]:
    """The exact BM25 top ``k`` paper ids for ``text``, best first (ties: smaller id).

    With SEARCH_BM25_PARTS = P > 1 the corpus is ranked as P parts (paper id modulo P) on
    P connections at once, this thread's and P - 1 pool threads', and the parts' exact
    top k are merged. Inside a transaction the other connections could not see what it
    has not committed, so it is ranked whole, on this connection.
    """
    parts = settings.SEARCH_BM25_PARTS
    if parts == 1 or connection.in_atomic_block:
        return [paper_id for paper_id, _ in _keyword_part(text=text, k=k, parts=1, part=0)]
    pool = process_pool("bm25", workers=parts - 1)
    others = [pool.submit(_keyword_part_in_thread, text=text, k=k, parts=parts, part=part)
              for part in range(1, parts)]  # fmt: skip
    rows = _keyword_part(text=text, k=k, parts=parts, part=0)
    for other in others:
        rows += other.result()
    rows.sort(key=lambda row: (-row[1], row[0]))
    return [paper_id for paper_id, _ in rows[:k]]


def _keyword_part(*, text: str, k: int, parts: int, part: int) -> list[tuple[int, float]]:
    with connection.cursor() as cursor:
        params = {"text": text, "max_terms": MAX_QUERY_TERMS, "k": k, "parts": parts, "part": part,
                  "max_postings": settings.SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS}  # fmt: skip
        cursor.execute(_KEYWORD_SQL, params)
        return cursor.fetchall()


def _keyword_part_in_thread(**kwargs: Any) -> list[tuple[int, float]]:
    # A pool thread keeps its own connection between searches; no request cycle closes
    # it, so drop it here when it has broken or outlived CONN_MAX_AGE.
    close_old_connections()
    return _keyword_part(**kwargs)


def fused_page_sql(
    *,
    keyword_ids: list[int],
    query_vector: np.ndarray | None,
    filters: Filters,
    mode: str,
    sort: str,
    limit: int,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """SQL for one page: (id, score, keyword_rank, semantic_rank, total, ord), by ord.

    ``keyword_ids`` is the BM25 side, best first (``keyword_ranking``); the vector side
    runs inside the statement.
    """
    weights = _weights(mode)
    where, params = _filter_sql(filters)
    params.update(
        keyword_ids=keyword_ids if weights[0] > 0 else [],
        k=_candidate_depth(limit=limit, offset=offset, filtered=filters.active),
        rrf_k=settings.SEARCH_RRF_K,
        w_keyword=weights[0],
        w_semantic=weights[1],
        vector=vector_literal(query_vector) if query_vector is not None else "[0]",
        use_vector=query_vector is not None and weights[1] > 0,
        model=settings.EMBEDDING_MODEL,
        limit=limit,
        offset=offset,
    )
    params.update(_sort_params(sort))
    return _FUSION_SQL.format(where=where, order=_ORDER[sort]), params


def filtered_page_sql(
    *, filters: Filters, sort: str, limit: int, offset: int
) -> tuple[str, dict[str, Any]]:
    """SQL for one page of papers matching only filters (no words), newest or trending first."""
    where, params = _filter_sql(filters)
    params.update(limit=limit, offset=offset, **_sort_params(sort))
    order = _ORDER["trending" if sort == "trending" else "newest"]
    sql = f"""
        SELECT p.id, 0.0::float8 AS score, NULL::int AS keyword_rank, NULL::int AS semantic_rank,
               count(*) OVER ()::int AS total, row_number() OVER (ORDER BY {order}) AS ord
        FROM papers_paper p WHERE {where}
        ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
    """
    return sql, params


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, ``[0.1,0.2,…]``: bound as a plain string, cast in SQL."""
    return "[" + ",".join(f"{x:.8g}" for x in vector.tolist()) + "]"


def _weights(mode: str) -> tuple[float, float]:
    if mode == "keyword":
        return 1.0, 0.0
    if mode == "semantic":
        return 0.0, 1.0
    return settings.SEARCH_WEIGHT_KEYWORD, settings.SEARCH_WEIGHT_SEMANTIC


def _candidate_depth(*, limit: int, offset: int, filtered: bool) -> int:
    wanted = max(100, limit + offset)
    return min(MAX_CANDIDATES, wanted * 10 if filtered else wanted)


_TSV = "to_tsvector('english'::regconfig, p.title_text || ' ' || p.abstract_text)"
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


def _filter_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    clauses, params = ["TRUE"], {}
    if filters.categories:
        clauses.append("p.categories && %(categories)s::varchar[]")
        params["categories"] = list(filters.categories)
    if filters.date_from:
        clauses.append("p.submitted_at >= %(date_from)s")
        params["date_from"] = filters.date_from
    if filters.date_until:
        clauses.append("p.submitted_at < %(date_until)s")
        params["date_until"] = filters.date_until + timedelta(days=1)
    if filters.has_code:
        clauses.append(
            "(p.comments ~* 'github\\.com|gitlab\\.com' OR EXISTS (SELECT 1 FROM"
            " papers_trendingsignal t WHERE t.paper_id = p.id AND t.github_repo <> ''))"
        )
    for i, author in enumerate(filters.authors):
        clauses.append(
            "EXISTS (SELECT 1 FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id"
            f" WHERE s.paper_id = p.id AND a.normalized_name LIKE %(author{i})s)"
        )
        params[f"author{i}"] = f"%{_like_escape(author.casefold())}%"
    for i, phrase in enumerate(filters.phrases):
        clauses.append(f"{_TSV} @@ phraseto_tsquery('english'::regconfig, %(phrase{i})s)")
        params[f"phrase{i}"] = phrase
    for i, word in enumerate(filters.excluded):
        clauses.append(f"NOT ({_TSV} @@ phraseto_tsquery('english'::regconfig, %(excluded{i})s))")
        params[f"excluded{i}"] = word
    return " AND ".join(clauses), params


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_KEYWORD_SQL = """
SELECT b.paper_id, b.score FROM search_bm25_best(
    ARRAY(SELECT lexeme FROM unnest(to_tsvector('english'::regconfig, %(text)s))
          ORDER BY positions[1], lexeme LIMIT %(max_terms)s),
    %(k)s, %(max_postings)s, %(parts)s, %(part)s) b
ORDER BY b.score DESC, b.paper_id
"""

_FUSION_SQL = """
WITH keyword AS (
    SELECT k.paper_id, k.rank::int AS rank
    FROM unnest(%(keyword_ids)s::bigint[]) WITH ORDINALITY AS k(paper_id, rank)
),
semantic AS (
    SELECT v.paper_id, row_number() OVER (ORDER BY v.distance, v.paper_id)::int AS rank
    FROM (
        SELECT e.paper_id, e.vector <=> %(vector)s::vector AS distance
        FROM papers_paperembedding e
        WHERE %(use_vector)s AND e.model_name = %(model)s
        ORDER BY e.vector <=> %(vector)s::vector
        LIMIT %(k)s
    ) v
),
fused AS (
    SELECT paper_id, sum(weight / (%(rrf_k)s + rank)) AS score,
           min(keyword_rank) AS keyword_rank, min(semantic_rank) AS semantic_rank
    FROM (
        SELECT paper_id, rank, %(w_keyword)s::float8 AS weight, rank AS keyword_rank,
               NULL::int AS semantic_rank
        FROM keyword
        UNION ALL
        SELECT paper_id, rank, %(w_semantic)s::float8, NULL, rank FROM semantic
    ) sides
    GROUP BY paper_id
)
SELECT p.id, f.score, f.keyword_rank, f.semantic_rank, count(*) OVER ()::int AS total,
       row_number() OVER (ORDER BY {order}) AS ord
FROM fused f JOIN papers_paper p ON p.id = f.paper_id
WHERE {where}
ORDER BY {order}
LIMIT %(limit)s OFFSET %(offset)s
"""
