"""How the two rankings become one: reciprocal rank fusion of BM25 and the vector side.

Each side contributes its top candidates: BM25's are ranked before the statement
(search.bm25.keyword_ranking, overlapping the query's encoding), the vector side's
inside it (search.vectors). A paper's fused score is  Σ_side weight_side / (rrf_k +
rank_side), with rrf_k = 60 (Cormack et al. 2009). Filters apply to the fused
candidates (search.selectors), so a filtered search draws deeper candidate lists that
filters do not starve the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from search.vectors import SEMANTIC_CANDIDATES_SQL, vector_literal

MODES = ("hybrid", "keyword", "semantic")
MAX_CANDIDATES = 1000
# In hybrid mode BM25 contributes as many candidates as the page needs (at least 20), not
# 100: the threshold algorithm's cost grows with k on common-word queries, while SciFact's
# first-page nDCG@10 does not drop (docs/search.md).
HYBRID_KEYWORD_DEPTH = 20


def candidate_depth(*, limit: int, offset: int, filtered: bool) -> int:
    """How many candidates each side draws for a page at ``offset``."""
    wanted = max(100, limit + offset)
    return min(MAX_CANDIDATES, wanted * 10 if filtered else wanted)


def keyword_depth(*, mode: str, filtered: bool, limit: int, offset: int) -> int:
    """How many BM25 candidates a search draws (see HYBRID_KEYWORD_DEPTH)."""
    depth = candidate_depth(limit=limit, offset=offset, filtered=filtered)
    if mode == "keyword" or filtered:
        return depth
    return min(depth, max(HYBRID_KEYWORD_DEPTH, limit + offset))


def fused_sql(
    *, keyword_ids: list[int], query_vector: np.ndarray | None, mode: str, depth: int
) -> tuple[str, dict[str, Any]]:
    """SQL of the fused candidates: (paper_id, score, keyword_rank, semantic_rank).

    ``keyword_ids`` is the BM25 side, best first; the vector side draws ``depth``.
    """
    w_keyword, w_semantic = _weights(mode)
    params = {
        "keyword_ids": keyword_ids if w_keyword > 0 else [],
        "k": depth,
        "rrf_k": settings.SEARCH_RRF_K,
        "w_keyword": w_keyword,
        "w_semantic": w_semantic,
        "vector": vector_literal(query_vector) if query_vector is not None else "[0]",
        "use_vector": query_vector is not None and w_semantic > 0,
        "model": settings.EMBEDDING_MODEL,
    }
    return _FUSED_SQL.format(semantic=SEMANTIC_CANDIDATES_SQL), params


def _weights(mode: str) -> tuple[float, float]:
    if mode == "keyword":
        return 1.0, 0.0
    if mode == "semantic":
        return 0.0, 1.0
    return settings.SEARCH_WEIGHT_KEYWORD, settings.SEARCH_WEIGHT_SEMANTIC


_FUSED_SQL = """
WITH keyword AS (
    SELECT k.paper_id, k.rank::int AS rank
    FROM unnest(%(keyword_ids)s::bigint[]) WITH ORDINALITY AS k(paper_id, rank)
),
semantic AS ({semantic})
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
"""
