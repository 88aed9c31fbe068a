-- Okapi BM25 top k inside PostgreSQL: the functions search/bm25.py calls.
--
-- Loaded by search/migrations/0001_squashed_0006_bm25_parts.py; a later change to this
-- file ships in a new migration that loads it again (every statement is CREATE OR REPLACE).
-- Impacts lie on a 2^-32 grid (search/bm25.py), so every sum below is exact in any order:
-- both plans return the same rows, bit for bit, ties going to the smaller paper id.
--
-- search_bm25_topk(terms, k, parts, part): exact BM25 top k, stopping once it cannot change.
-- MaxScore over impact-ordered postings, in four steps:
-- 1. theta, a lower bound of the k-th best score: the k-th best exact score among the
--    papers heading each term's postings (k rows per term, then primary-key lookups).
-- 2. Split the query terms by their maximum impact (the first row of their postings in
--    the (lexeme, impact DESC, paper_id) index): the lowest ones whose maxima add up to
--    less than theta are never scanned (a paper having only those cannot reach theta);
--    what is left of theta is shared out among the other terms as cutoffs, in proportion
--    to their maxima, rounded down. A paper below every cutoff then scores strictly less
--    than theta and cannot be in the top k, even by a tie.
-- 3. Scan each scanned term's postings down to its cutoff (an index range), adding up a
--    lower bound per paper; its upper bound adds, for each term it was not seen in, that
--    term's cutoff (or maximum, for terms not scanned). Papers whose upper bound is below
--    theta (raised to the k-th best lower bound) are dropped.
-- 4. Complete the survivors one term at a time, largest bound first, by primary-key
--    lookups of (paper_id, lexeme); each step makes bounds exact, raises theta and drops
--    papers. At the end every survivor's score is exact.
-- The work is bounded by the postings above the cutoffs and the survivors, which depend
-- on how the scores are distributed, not on how many papers there are.
--
-- With parts = P > 1 only the papers whose id is part modulo P are ranked, by the same
-- plans, so that a search ranks its parts on P connections at once and merges their exact
-- top k (search.bm25.keyword_ranking). Each part starts from the whole corpus's estimate
-- of the k-th score, so it prunes as the whole would.
--
-- search_bm25_best(terms, k, max_postings, parts, part): the cheaper of two exact plans.
-- When the query's terms have at most max_postings postings in all, adding them all up
-- beats the threshold algorithm's bookkeeping; past it the threshold algorithm wins and
-- its cost stops growing with the corpus. A one-term query always takes the threshold
-- algorithm, which then reads only the first k rows of that term's postings.
--
-- work_mem = 64MB: the hash aggregates (the exhaustive sum, the scanned prefixes) hold
-- tens of thousands of papers on common-word queries and would spill at the default 4MB.

CREATE OR REPLACE FUNCTION search_bm25_topk(
    query_terms text[], k integer, parts integer DEFAULT 1, part integer DEFAULT 0
)
RETURNS TABLE (paper_id bigint, score double precision)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan
SET work_mem = '64MB'
AS $fn$
DECLARE
    grid constant double precision := 4294967296.0;
    lex text[] COLLATE "C";     -- query terms present in the index, by max impact ascending
    mx double precision[];      -- their maximum impacts
    cutoff double precision[];  -- scanned part of a term's postings: impact >= cutoff
    bound double precision[];   -- the most a paper not seen in that part can get from the term
    n integer;
    ne integer := 0;            -- terms 1..ne are not scanned at all (MaxScore's non-essential)
    ne_sum double precision := 0;
    e_sum double precision := 0;
    budget double precision;
    total_bound double precision := 0;
    theta double precision;     -- a lower bound of the k-th best score, only ever raised
    bit bigint;
    ids bigint[];
    lows double precision[];
    ubs double precision[];
    masks bigint[];
    i integer;
BEGIN
    IF parts IS NULL OR parts < 1 OR part IS NULL OR part < 0 OR part >= parts THEN
        RAISE EXCEPTION 'part % of % is not a part of the corpus', part, parts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    SELECT array_agg(s.lexeme ORDER BY s.mx, s.lexeme), array_agg(s.mx ORDER BY s.mx, s.lexeme)
    INTO lex, mx
    FROM (
        SELECT t.lexeme, (
            SELECT p.impact FROM search_bm25posting AS p
            WHERE p.lexeme = t.lexeme AND (parts = 1 OR p.paper_id % parts = part)
            ORDER BY p.impact DESC LIMIT 1
        ) AS mx
        FROM (SELECT DISTINCT u COLLATE "C" AS lexeme FROM unnest(query_terms) AS u) AS t
    ) AS s
    WHERE s.mx IS NOT NULL;
    n := coalesce(cardinality(lex), 0);
    IF n = 0 THEN
        RETURN;
    ELSIF n > 62 THEN  -- one bit per term below: fall back to adding every posting
        RETURN QUERY
            SELECT e.paper_id, sum(e.impact) AS score FROM search_bm25posting AS e
            WHERE e.lexeme = ANY (lex) AND (parts = 1 OR e.paper_id % parts = part)
            GROUP BY e.paper_id ORDER BY score DESC, e.paper_id LIMIT k;
        RETURN;
    END IF;

    -- 1. theta from exact scores of the papers heading each term's postings, in the whole
    --    corpus even when ranking one part: it bounds the corpus's k-th best score, and a
    --    paper of this part below that is in no part's share of the top k. (Exact over the
    --    terms this part has, so never more than the score.) Each part then prunes as the
    --    whole would, rather than as if its k-th best were the corpus's.
    SELECT (array_agg(x.score ORDER BY x.score DESC))[k] INTO theta
    FROM (
        SELECT e.paper_id, sum(e.impact) AS score
        FROM search_bm25posting AS e
        WHERE e.lexeme = ANY (lex) AND e.paper_id = ANY (ARRAY(
            SELECT DISTINCT h.paper_id FROM unnest(lex) AS t(lexeme)
            CROSS JOIN LATERAL (
                SELECT p.paper_id FROM search_bm25posting AS p WHERE p.lexeme = t.lexeme
                ORDER BY p.impact DESC, p.paper_id LIMIT k
            ) AS h
        ))
        GROUP BY e.paper_id
    ) AS x;
    theta := coalesce(theta, 0);

    -- 2. Split: the lowest terms whose maxima add up below theta are not scanned; the
    --    rest of theta is shared out as cutoffs. A paper below every cutoff scores less
    --    than sum(cutoffs) + sum(non-scanned maxima) <= theta, so it cannot be in the top k.
    WHILE ne < n AND ne_sum + mx[ne + 1] < theta LOOP
        ne := ne + 1;
        ne_sum := ne_sum + mx[ne];
    END LOOP;
    budget := theta - ne_sum;
    FOR i IN ne + 1 .. n LOOP
        e_sum := e_sum + mx[i];
    END LOOP;
    cutoff := array_fill(NULL::double precision, ARRAY[n]);
    bound := array_fill(0::double precision, ARRAY[n]);
    FOR i IN 1 .. n LOOP
        IF i <= ne THEN
            bound[i] := mx[i];
        ELSE  -- on the grid and rounded down, so that every sum below stays exact
            cutoff[i] := greatest(floor(budget * mx[i] / e_sum * grid) / grid - 1 / grid, 0);
            bound[i] := cutoff[i];
        END IF;
        total_bound := total_bound + bound[i];
    END LOOP;

    -- 3. Scan the cutoff prefixes; keep papers whose upper bound can still reach theta.
    WITH seen AS MATERIALIZED (
        SELECT h.paper_id, sum(h.impact) AS low, sum(h.bound) AS seen_bound, bit_or(h.bit) AS mask
        FROM generate_series(ne + 1, n) AS g(i)
        CROSS JOIN LATERAL (
            SELECT p.paper_id, p.impact, bound[g.i] AS bound, 1::bigint << (g.i - 1) AS bit
            FROM search_bm25posting AS p
            WHERE p.lexeme = lex[g.i] AND p.impact >= cutoff[g.i]
              AND (parts = 1 OR p.paper_id % parts = part)
        ) AS h
        GROUP BY h.paper_id
    ),
    cut AS MATERIALIZED (
        SELECT greatest(
            theta, coalesce((SELECT s.low FROM seen AS s ORDER BY s.low DESC OFFSET k - 1 LIMIT 1), 0)
        ) AS theta
    )
    SELECT cut.theta, kept.ids, kept.lows, kept.ubs, kept.masks
    INTO theta, ids, lows, ubs, masks
    FROM cut, LATERAL (
        SELECT array_agg(s.paper_id) AS ids, array_agg(s.low) AS lows,
               array_agg(s.low + total_bound - s.seen_bound) AS ubs, array_agg(s.mask) AS masks
        FROM seen AS s WHERE s.low + total_bound - s.seen_bound >= cut.theta
    ) AS kept;

    -- 4. Complete the survivors term by term, largest bound first, by primary-key lookups;
    --    theta rises and survivors drop out as their upper bounds become exact.
    FOR i IN SELECT g.i FROM generate_series(1, n) AS g(i) WHERE bound[g.i] > 0
             ORDER BY bound[g.i] DESC LOOP
        EXIT WHEN ids IS NULL;
        bit := 1::bigint << (i - 1);
        WITH c AS MATERIALIZED (
            SELECT c.paper_id,
                   c.low + coalesce(x.impact, 0) AS low,
                   CASE WHEN c.mask & bit = 0 THEN c.ub - bound[i] + coalesce(x.impact, 0)
                        ELSE c.ub END AS ub,
                   c.mask | bit AS mask
            FROM unnest(ids, lows, ubs, masks) AS c(paper_id, low, ub, mask)
            LEFT JOIN LATERAL (
                SELECT e.impact FROM search_bm25posting AS e
                WHERE c.mask & bit = 0 AND e.paper_id = c.paper_id AND e.lexeme = lex[i]
            ) AS x ON true
        ),
        cut AS MATERIALIZED (
            SELECT greatest(
                theta, coalesce((SELECT c.low FROM c ORDER BY c.low DESC OFFSET k - 1 LIMIT 1), 0)
            ) AS theta
        )
        SELECT cut.theta, kept.ids, kept.lows, kept.ubs, kept.masks
        INTO theta, ids, lows, ubs, masks
        FROM cut, LATERAL (
            SELECT array_agg(c.paper_id) AS ids, array_agg(c.low) AS lows,
                   array_agg(c.ub) AS ubs, array_agg(c.mask) AS masks
            FROM c WHERE c.ub >= cut.theta
        ) AS kept;
    END LOOP;

    -- Every survivor's low is now its exact score.
    RETURN QUERY
        SELECT u.paper_id, u.low FROM unnest(ids, lows) AS u(paper_id, low)
        ORDER BY u.low DESC, u.paper_id LIMIT k;
END
$fn$;

CREATE OR REPLACE FUNCTION search_bm25_best(
    query_terms text[], k integer, max_postings bigint, parts integer DEFAULT 1,
    part integer DEFAULT 0
)
RETURNS TABLE (paper_id bigint, score double precision)
LANGUAGE plpgsql STABLE
SET work_mem = '64MB'
AS $fn$
DECLARE
    postings bigint;
    terms integer;
BEGIN
    IF parts IS NULL OR parts < 1 OR part IS NULL OR part < 0 OR part >= parts THEN
        RAISE EXCEPTION 'part % of % is not a part of the corpus', part, parts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF k IS NULL OR k < 1 OR query_terms IS NULL OR cardinality(query_terms) = 0 THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(t.df), 0), count(*) INTO postings, terms
    FROM search_bm25term t WHERE t.lexeme = ANY(query_terms);
    IF terms > 1 AND postings <= max_postings THEN
        RETURN QUERY
            SELECT p.paper_id, sum(p.impact)::double precision AS s
            FROM search_bm25posting p
            WHERE p.lexeme = ANY(query_terms) AND (parts = 1 OR p.paper_id % parts = part)
            GROUP BY p.paper_id ORDER BY s DESC, p.paper_id LIMIT k;
    ELSIF terms > 0 THEN
        RETURN QUERY SELECT b.paper_id, b.score FROM search_bm25_topk(query_terms, k, parts, part) b;
    END IF;
END
$fn$;
