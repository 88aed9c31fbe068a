"""search_bm25_best: a query of one term always takes the threshold algorithm.

The exhaustive sum costs about 0.35-0.45 us per posting on the bench machine, so the
postings limit under which it beats the threshold algorithm's bookkeeping rose from 20k
to 80k (SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS; README, "Search speed"). With one term the
threshold algorithm reads only the first k rows of that term's impact-ordered postings
(1.5 ms for a top 20 of 75k postings, against 32 ms for the sum), so the sum is never
chosen for it. Same rows either way: impacts lie on a 2^-32 grid, sums are exact in any
order, and ties go to the smaller paper id in both.
"""

from importlib import import_module

from django.db import migrations

PREVIOUS = import_module("search.migrations.0003_bm25_best_function").CREATE

CREATE = r"""
CREATE OR REPLACE FUNCTION search_bm25_best(query_terms text[], k integer, max_postings bigint)
RETURNS TABLE (paper_id bigint, score double precision)
LANGUAGE plpgsql STABLE
SET work_mem = '64MB'
AS $fn$
DECLARE
    postings bigint;
    terms integer;
BEGIN
    IF k IS NULL OR k < 1 OR query_terms IS NULL OR cardinality(query_terms) = 0 THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(t.df), 0), count(*) INTO postings, terms
    FROM search_bm25term t WHERE t.lexeme = ANY(query_terms);
    IF terms > 1 AND postings <= max_postings THEN
        RETURN QUERY
            SELECT p.paper_id, sum(p.impact)::double precision AS s
            FROM search_bm25posting p WHERE p.lexeme = ANY(query_terms)
            GROUP BY p.paper_id ORDER BY s DESC, p.paper_id LIMIT k;
    ELSIF terms > 0 THEN
        RETURN QUERY SELECT b.paper_id, b.score FROM search_bm25_topk(query_terms, k) b;
    END IF;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("search", "0004_bm25_functions_work_mem")]
    operations = [
        migrations.RunSQL(
            CREATE,
            # Back to 0003's body, with 0004's work_mem.
            [
                PREVIOUS,
                "ALTER FUNCTION search_bm25_best(text[], integer, bigint) SET work_mem = '64MB'",
            ],
        )
    ]
