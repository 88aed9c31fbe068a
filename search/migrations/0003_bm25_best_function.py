"""search_bm25_best(terms, k, max_postings): the cheaper of two exact BM25 top-k plans.

When the query terms have few postings in all (a rare-word query, or a small corpus),
adding them all up is cheaper than the threshold algorithm's bookkeeping (measured on
the 6.6k sample: 9 ms against 40 ms for a top 100 over 12k postings); past
``max_postings`` the threshold algorithm wins and its cost stops growing with the
corpus. Both return the same rows: impacts lie on a 2^-32 grid, so sums are exact in any
order, and ties go to the smaller paper id in both.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION search_bm25_best(query_terms text[], k integer, max_postings bigint)
RETURNS TABLE (paper_id bigint, score double precision)
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    postings bigint;
BEGIN
    IF k IS NULL OR k < 1 OR query_terms IS NULL OR cardinality(query_terms) = 0 THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(t.df), 0) INTO postings
    FROM search_bm25term t WHERE t.lexeme = ANY(query_terms);
    IF postings <= max_postings THEN
        RETURN QUERY
            SELECT p.paper_id, sum(p.impact)::double precision AS s
            FROM search_bm25posting p WHERE p.lexeme = ANY(query_terms)
            GROUP BY p.paper_id ORDER BY s DESC, p.paper_id LIMIT k;
    ELSE
        RETURN QUERY SELECT b.paper_id, b.score FROM search_bm25_topk(query_terms, k) b;
    END IF;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS search_bm25_best(text[], integer, bigint);"


class Migration(migrations.Migration):
    dependencies = [("search", "0002_bm25_topk_function")]
    operations = [migrations.RunSQL(CREATE, DROP)]
