"""The vector side of a search: the query's embedding and its nearest papers in pgvector."""

from __future__ import annotations

import logging
from concurrent.futures import Future

import numpy as np

from digest.lib.threads import process_pool

logger = logging.getLogger(__name__)


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


# The nearest ``k`` papers to %(vector)s by cosine distance through the HNSW index
# (``hnsw.ef_search`` is set per connection in settings), ranked 1.. by distance.
SEMANTIC_CANDIDATES_SQL = """
    SELECT v.paper_id, row_number() OVER (ORDER BY v.distance, v.paper_id)::int AS rank
    FROM (
        SELECT e.paper_id, e.vector <=> %(vector)s::vector AS distance
        FROM papers_paperembedding e
        WHERE %(use_vector)s AND e.model_name = %(model)s
        ORDER BY e.vector <=> %(vector)s::vector
        LIMIT %(k)s
    ) v
"""
