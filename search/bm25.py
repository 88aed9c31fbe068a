"""Okapi BM25 on PostgreSQL's english text search analysis: the formula and the queries.

    score(D, Q) = sum over t in Q of  idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |D| / avgdl))
    idf(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))

The idf is Lucene's (also BM25+'s) non-negative form, not Robertson's original
ln((N - df + 0.5) / (df + 0.5)), which goes negative for terms in over half the papers,
nor rank_bm25's epsilon-floored variant. k1 and b come from settings BM25_K1, BM25_B.

D is the lexemes of ``to_tsvector('english', title_text || ' ' || abstract_text)``
(stemmed, stop words removed), |D| the number of lexeme occurrences (the sum of tf; a
tsvector keeps at most 256 positions per lexeme, never reached by an abstract). Q is
the *distinct* lexemes of ``to_tsvector('english', query)`` by the same analysis, at
most MAX_QUERY_TERMS of them in order of first appearance: a repeated query word counts
once. Since a tsvector is built by PostgreSQL's parser, operator characters, quotes or
SQL in a query are only text; nothing here raises on user input.

Every (paper, lexeme) pair is stored as a posting whose ``impact`` is its whole
contribution to the score, so a query only adds impacts. Impacts are rounded to a 2^-32
grid (error below 1.2e-10 each): sums of such numbers are exact in double precision, so
scores do not depend on the order of addition and the threshold algorithm agrees bit for
bit with the exhaustive sum. Scores are exact for the statistics stored with the
impacts (see search/services.py for how those are kept in step with the corpus).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from digest.lib.threads import process_pool

MAX_QUERY_TERMS = 64
IMPACT_GRID = 4294967296.0  # 2^32

# The indexed text of paper alias ``p``; the same expression hashes and analyses it, and
# the phrase filters (search.filters) match against its analysis.
DOCUMENT_TEXT_SQL = "(p.title_text || ' ' || p.abstract_text)"
DOCUMENT_VECTOR_SQL = f"to_tsvector('english'::regconfig, {DOCUMENT_TEXT_SQL})"


def idf_sql(*, doc_count: str, df: str) -> str:
    """SQL for the Lucene idf of a term in ``df`` of ``doc_count`` documents."""
    return f"ln(1.0 + ({doc_count}::float8 - {df} + 0.5) / ({df} + 0.5))"


def impact_sql(*, idf: str, tf: str, length: str) -> str:
    """SQL for one posting's impact; needs parameters %(k1)s, %(b)s and %(avgdl)s."""
    weight = (
        f"{idf} * {tf} * (%(k1)s + 1.0)"
        f" / ({tf} + %(k1)s * (1.0 - %(b)s + %(b)s * {length} / %(avgdl)s))"
    )
    # Never 0: a positive impact is what lets the threshold algorithm treat 0 as "no more".
    return f"greatest(round({weight} * {IMPACT_GRID}) / {IMPACT_GRID}, 1.0 / {IMPACT_GRID})"


def query_lexemes(*, query: str) -> list[str]:
    """The distinct lexemes of ``query`` (english analysis), first MAX_QUERY_TERMS by position."""
    text = query.replace("\x00", " ")  # the only character PostgreSQL text cannot hold
    if not text.strip():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme FROM unnest(to_tsvector('english'::regconfig, %s))"
            " ORDER BY positions[1], lexeme LIMIT %s",
            [text, MAX_QUERY_TERMS],
        )
        return [lexeme for (lexeme,) in cursor.fetchall()]


def bm25_search(
    *, query: str, limit: int = 10, candidate_ids: Collection[int] | None = None
) -> list[tuple[int, float]]:
    """Exact BM25 top ``limit`` as (paper id, score), best first, ties by smaller id.

    Runs the threshold algorithm of ``search_bm25_topk`` (search/sql/bm25.sql), whose
    cost follows how deep the top ``limit`` lies in the query terms' impact-ordered
    postings rather than the size of the corpus. With ``candidate_ids`` only those
    papers are ranked (exactly, by direct lookup): for re-scoring another retriever's
    candidates.
    """
    terms = query_lexemes(query=query)
    if not terms or limit < 1:
        return []
    if candidate_ids is not None:
        return _rank_candidates(terms=terms, limit=limit, candidate_ids=candidate_ids)
    return _fetch("SELECT paper_id, score FROM search_bm25_topk(%s::text[], %s)", [terms, limit])


def bm25_search_exhaustive(*, query: str, limit: int = 10) -> list[tuple[int, float]]:
    """The same ranking as ``bm25_search`` by adding up every posting of the query terms.

    The correctness oracle for the threshold algorithm; its cost grows with the corpus.
    """
    terms = query_lexemes(query=query)
    if not terms or limit < 1:
        return []
    return _fetch(
        "SELECT paper_id, sum(impact) AS score FROM search_bm25posting"
        " WHERE lexeme = ANY(%s::text[]) GROUP BY paper_id"
        " ORDER BY score DESC, paper_id LIMIT %s",
        [terms, limit],
    )


def _rank_candidates(
    *, terms: list[str], limit: int, candidate_ids: Collection[int]
) -> list[tuple[int, float]]:
    if not candidate_ids:
        return []
    return _fetch(
        "SELECT paper_id, sum(impact) AS score FROM search_bm25posting"
        " WHERE paper_id = ANY(%s::bigint[]) AND lexeme = ANY(%s::text[])"
        " GROUP BY paper_id ORDER BY score DESC, paper_id LIMIT %s",
        [list(candidate_ids), terms, limit],
    )


@dataclass(frozen=True)
class QueryTerms:
    """A query's lexemes as the index knows them: what BM25 evidence is weighed by."""

    lexemes: tuple[str, ...]  # distinct, in order of first appearance (query_lexemes)
    dfs: tuple[int, ...]  # live document frequency of each lexeme in the index (0: absent)
    idf_sum: float  # sum of the scored idf of the lexemes in the index
    doc_count: int  # live N

    @property
    def postings(self) -> int:
        return sum(self.dfs)


def query_terms(*, text: str) -> QueryTerms:
    """The query's lexemes with their document frequencies and idf, in one statement."""
    with connection.cursor() as cursor:
        params: dict[str, Any] = {"text": text.replace("\x00", " "), "max_terms": MAX_QUERY_TERMS}
        cursor.execute(_TERMS_SQL, params)
        rows = cursor.fetchall()
    terms = [row for row in rows if row[0] is not None]
    return QueryTerms(
        lexemes=tuple(lexeme for lexeme, _, _, _ in terms),
        dfs=tuple(int(df) for _, df, _, _ in terms),
        idf_sum=float(sum(idf for _, _, idf, _ in terms)),
        doc_count=int(rows[0][3]),
    )


def keyword_ranking(*, text: str, k: int) -> list[tuple[int, float]]:
    """The exact BM25 top ``k`` as (paper id, score) for ``text``, best first (ties: smaller id).

    The search page's BM25 side: ``search_bm25_best`` picks the cheaper exact plan. With
    SEARCH_BM25_PARTS = P > 1 the corpus is ranked as P parts (paper id modulo P) on P
    connections at once, this thread's and P - 1 pool threads', and the parts' exact top
    k are merged. Inside a transaction the other connections could not see what it has
    not committed, so it is ranked whole, on this connection.
    """
    parts = settings.SEARCH_BM25_PARTS
    if parts == 1 or connection.in_atomic_block:
        return _keyword_part(text=text, k=k, parts=1, part=0)
    pool = process_pool("bm25", workers=parts - 1)
    others = [pool.submit(_keyword_part_in_thread, text=text, k=k, parts=parts, part=part)
              for part in range(1, parts)]  # fmt: skip
    rows = _keyword_part(text=text, k=k, parts=parts, part=0)
    for other in others:
        rows += other.result()
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[:k]


def keyword_ranking_within(
    *, terms: QueryTerms, k: int, where: str, params: dict[str, Any]
) -> tuple[list[tuple[int, float]], int]:
    """The exact BM25 top ``k`` among the papers ``p`` that satisfy ``where``, and how many
    of them match at all: every posting of the terms is added up, then filtered."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.paper_id, s.score, count(*) OVER () FROM ("
            " SELECT e.paper_id, sum(e.impact) AS score FROM search_bm25posting e"
            " WHERE e.lexeme = ANY(%(terms)s::text[]) GROUP BY e.paper_id) s"
            f" JOIN papers_paper p ON p.id = s.paper_id WHERE {where}"
            " ORDER BY s.score DESC, s.paper_id LIMIT %(k)s",
            {**params, "terms": list(terms.lexemes), "k": k},
        )
        rows = cursor.fetchall()
    return [(int(i), float(score)) for i, score, _ in rows], (int(rows[0][2]) if rows else 0)


def keyword_match_count(*, terms: QueryTerms) -> tuple[int, bool]:
    """How many papers contain at least one of the terms, and whether that is exact.

    Exact from the index when one term (its df) or few postings (counted); otherwise an
    estimate that takes the terms as independent: N * (1 - prod(1 - df / N)).
    """
    present = [df for df in terms.dfs if df > 0]
    if len(present) <= 1:
        return (present[0] if present else 0), True
    if terms.postings <= settings.SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT paper_id) FROM search_bm25posting"
                " WHERE lexeme = ANY(%s::text[])",
                [list(terms.lexemes)],
            )
            return int(cursor.fetchone()[0]), True
    n = max(terms.doc_count, 1)
    missing = 1.0
    for df in present:
        missing *= 1.0 - min(df, n) / n
    return max(max(present), round(n * (1.0 - missing))), False


def _keyword_part(*, text: str, k: int, parts: int, part: int) -> list[tuple[int, float]]:
    with connection.cursor() as cursor:
        params = {"text": text, "max_terms": MAX_QUERY_TERMS, "k": k, "parts": parts, "part": part,
                  "max_postings": settings.SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS}  # fmt: skip
        cursor.execute(_KEYWORD_SQL, params)
        return [(int(paper_id), float(score)) for paper_id, score in cursor.fetchall()]


def _keyword_part_in_thread(**kwargs: Any) -> list[tuple[int, float]]:
    # A pool thread keeps its own connection between searches; no request cycle closes
    # it, so drop it here when it has broken or outlived CONN_MAX_AGE.
    close_old_connections()
    return _keyword_part(**kwargs)


def _fetch(sql: str, params: list[Any]) -> list[tuple[int, float]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(paper_id), float(score)) for paper_id, score in cursor.fetchall()]


# The query's lexemes are analysed in the same statement, as query_lexemes does.
_KEYWORD_SQL = """
SELECT b.paper_id, b.score FROM search_bm25_best(
    ARRAY(SELECT lexeme FROM unnest(to_tsvector('english'::regconfig, %(text)s))
          ORDER BY positions[1], lexeme LIMIT %(max_terms)s),
    %(k)s, %(max_postings)s, %(parts)s, %(part)s) b
ORDER BY b.score DESC, b.paper_id
"""

# Each distinct lexeme of the query (english analysis, first MAX_QUERY_TERMS by position,
# as query_lexemes) with its live df and scored idf (0 for a word no paper has).
_TERMS_SQL = """
WITH q AS (
    SELECT lexeme, positions[1] AS position
    FROM unnest(to_tsvector('english'::regconfig, %(text)s))
    ORDER BY positions[1], lexeme LIMIT %(max_terms)s
)
SELECT q.lexeme, coalesce(t.df, 0), coalesce(t.idf, 0.0),
       (SELECT coalesce(max(doc_count), 0) FROM search_bm25corpus)
FROM (SELECT 1) one LEFT JOIN q ON true
LEFT JOIN search_bm25term t ON t.lexeme = q.lexeme COLLATE "C"
ORDER BY q.position, q.lexeme
"""
