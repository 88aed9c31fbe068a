"""New papers near followed topics: for papers not clustered yet (announced after the
week's topics were computed), the followed topic whose centroid is their nearest."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

_NEAREST_SQL = """
WITH RECURSIVE
back(id) AS (
    SELECT unnest(%(topics)s::bigint[])
  UNION
    SELECT t.previous_id FROM papers_topic t JOIN back b ON t.id = b.id
    WHERE t.previous_id IS NOT NULL
),
forth(id) AS (
    SELECT unnest(%(topics)s::bigint[])
  UNION
    SELECT t.id FROM papers_topic t JOIN forth f ON t.previous_id = f.id
),
followed AS (SELECT id FROM back UNION SELECT id FROM forth),
candidates AS (
    SELECT t.id, t.centroid FROM papers_topic t
     WHERE t.centroid IS NOT NULL AND NOT t.is_outlier
       AND (t.id IN (SELECT id FROM followed)
            OR t.week_id = (SELECT w.id FROM papers_topicweek w
                             WHERE EXISTS (SELECT 1 FROM papers_topic x WHERE x.week_id = w.id)
                             ORDER BY w.week_start DESC LIMIT 1))
)
SELECT e.paper_id, nearest.id, 1 - (e.vector <=> nearest.centroid)
  FROM papers_paperembedding e
 CROSS JOIN LATERAL (
    SELECT c.id, c.centroid FROM candidates c ORDER BY c.centroid <=> e.vector, c.id LIMIT 1
 ) nearest
 WHERE e.paper_id = ANY(%(papers)s) AND e.model_name = %(model)s
   AND nearest.id IN (SELECT id FROM followed)
"""


def papers_nearest_followed_topic(
    *, topic_ids: list[int], paper_ids: list[int]
) -> dict[int, float]:
    """Of ``paper_ids``, those whose nearest topic centroid (among the latest week's topics
    and the followed topics' lineages) is a followed one, with the cosine similarity."""
    if not topic_ids or not paper_ids:
        return {}
    params = {"topics": topic_ids, "papers": paper_ids, "model": settings.EMBEDDING_MODEL}
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST_SQL, params)
        return {paper_id: float(similarity) for paper_id, _, similarity in cursor.fetchall()}
