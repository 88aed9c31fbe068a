"""The vector side of a search: the query's embedding and the papers near it in pgvector.

A paper is a semantic match when its cosine similarity to the query is at least
SEARCH_SEMANTIC_FLOOR. Up to SEARCH_EXACT_KNN_MAX papers (the corpus, or what the
filters leave) the matches are found by an exact scan, so a filtered search misses none
and the count is exact; above it through the HNSW index with ``hnsw.ef_search`` raised
to the depth a page needs (pgvector returns at most ef_search rows), and the count is an
estimate from a fixed sample of the vectors.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from digest.lib.threads import process_pool

logger = logging.getLogger(__name__)

# pgvector's largest hnsw.ef_search.
MAX_EF_SEARCH = 1000
# Rows of papers_paperembedding the count estimate reads, at most (TABLESAMPLE SYSTEM).
COUNT_SAMPLE_ROWS = 4000


@dataclass(frozen=True)
class SemanticSide:
    ranking: list[tuple[int, float]]  # (paper id, similarity) at or above the floor, best first
    total: int  # papers at or above the floor (after filters)
    exact: bool  # whether ``total`` is a count rather than an estimate


def query_vector_start(*, text: str) -> Future[np.ndarray | None]:
    """Encode ``text`` in another thread (ONNX Runtime releases the GIL), so that the
    encoding overlaps BM25's ranking in PostgreSQL instead of adding to it."""
    return process_pool("encode", workers=2).submit(_query_vector, text)


def _query_vector(text: str) -> np.ndarray | None:
    """The query's embedding, or None when the encoder cannot run (logged, not raised)."""
    from papers.embeddings.encoder import EmbeddingError, encode_query

    try:
        return encode_query(text)
    except (EmbeddingError, ImportError, OSError, RuntimeError):
        logger.exception("query encoder unavailable; answering with keyword search")
        return None


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, ``[0.1,0.2,…]``: bound as a plain string, cast in SQL."""
    return "[" + ",".join(f"{x:.8g}" for x in vector.tolist()) + "]"


def semantic_ranking(
    *, vector: np.ndarray, k: int, where: str, params: dict[str, Any], filtered: bool
) -> SemanticSide:
    """The ``k`` most similar papers at or above the floor among those ``where`` admits."""
    params = {**params, **_params(vector), "k": k, "exact_max": settings.SEARCH_EXACT_KNN_MAX}
    if filtered or _corpus_size() <= settings.SEARCH_EXACT_KNN_MAX:
        with connection.cursor() as cursor:
            cursor.execute(_EXACT_SQL.format(where=where), params)
            rows = cursor.fetchall()
        if rows[0][0] <= settings.SEARCH_EXACT_KNN_MAX:
            ranking = [(int(i), float(sim)) for _, i, sim, _ in rows if i is not None]
            return SemanticSide(ranking, int(rows[0][3] or 0), exact=True)
    return _approximate(k=k, where=where, params=params, filtered=filtered)


def _approximate(*, k: int, where: str, params: dict[str, Any], filtered: bool) -> SemanticSide:
    """HNSW search; a filter is applied to what the index returns, so it searches wider."""
    ef_search = min(MAX_EF_SEARCH, max(settings.HNSW_EF_SEARCH, k * (10 if filtered else 1)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
        join = "JOIN papers_paper p ON p.id = e.paper_id" if filtered else ""
        cursor.execute(_HNSW_SQL.format(where=where, join=join), {**params, "depth": ef_search})
        ranking = [(int(i), float(sim)) for i, sim in cursor.fetchall()]
    if len(ranking) < k:  # every match the index found; its recall is measured in benchmarks
        return SemanticSide(ranking, len(ranking), exact=False)
    return SemanticSide(ranking, _estimated_total(where=where, params=params), exact=False)


def _estimated_total(*, where: str, params: dict[str, Any]) -> int:
    """Matches among a fixed sample of the vectors, scaled up (the same every call)."""
    size = _corpus_size()
    percent = min(100.0, 100.0 * COUNT_SAMPLE_ROWS / max(size, 1))
    with connection.cursor() as cursor:
        cursor.execute(_SAMPLE_SQL.format(where=where), {**params, "percent": percent})
        sampled, matching = cursor.fetchone()
    return round(size * matching / sampled) if sampled else 0


def _corpus_size() -> int:
    """The planner's estimate of how many vectors there are (-1 before any ANALYZE: small),
    read at most once a minute per process: it only picks the exact or the indexed path."""
    now = time.monotonic()
    if now - _corpus_size_read[0] > 60:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class"
                " WHERE oid = 'papers_paperembedding'::regclass"
            )
            _corpus_size_read[:] = [now, int(cursor.fetchone()[0])]
    return int(_corpus_size_read[1])


_corpus_size_read: list[float] = [-1e9, 0]


def _params(vector: np.ndarray) -> dict[str, Any]:
    return {
        "vector": vector_literal(vector),
        "model": settings.EMBEDDING_MODEL,
        "floor": settings.SEARCH_SEMANTIC_FLOOR,
    }


# Up to exact_max + 1 admitted papers are read; when there are more, the one row returned
# says so (its first column) and the HNSW index answers instead.
_EXACT_SQL = """
WITH admitted AS MATERIALIZED (
    SELECT e.paper_id, 1.0 - (e.vector <=> %(vector)s::vector) AS similarity
    FROM papers_paperembedding e JOIN papers_paper p ON p.id = e.paper_id
    WHERE e.model_name = %(model)s AND {where}
    LIMIT %(exact_max)s + 1
),
size AS (SELECT count(*) AS n FROM admitted)
SELECT size.n, m.paper_id, m.similarity, m.total
FROM size LEFT JOIN LATERAL (
    SELECT a.paper_id, a.similarity, count(*) OVER () AS total FROM admitted a
    WHERE size.n <= %(exact_max)s AND a.similarity >= %(floor)s
    ORDER BY a.similarity DESC, a.paper_id LIMIT %(k)s
) m ON true
ORDER BY m.similarity DESC, m.paper_id
"""

_HNSW_SQL = """
SELECT n.paper_id, n.similarity FROM (
    SELECT e.paper_id, 1.0 - (e.vector <=> %(vector)s::vector) AS similarity
    FROM papers_paperembedding e {join}
    WHERE e.model_name = %(model)s AND {where}
    ORDER BY e.vector <=> %(vector)s::vector
    LIMIT %(depth)s
) n
WHERE n.similarity >= %(floor)s
ORDER BY n.similarity DESC, n.paper_id
LIMIT %(k)s
"""

_SAMPLE_SQL = """
SELECT count(*), count(*) FILTER (
    WHERE {where} AND 1.0 - (s.vector <=> %(vector)s::vector) >= %(floor)s)
FROM papers_paperembedding s TABLESAMPLE SYSTEM (%(percent)s) REPEATABLE (17)
JOIN papers_paper p ON p.id = s.paper_id
WHERE s.model_name = %(model)s
"""
