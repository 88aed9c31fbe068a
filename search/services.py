"""Writes of the search app: keeping the BM25 index in step with the papers.

How results stay exact. Every stored impact is computed from the *scored* statistics
(Bm25Corpus.scored_doc_count / scored_avgdl / k1 / b and the term's scored_df -> idf),
and queries only add impacts, so a query scores exactly with those statistics, whatever
the live ones are. The invariant kept by every write below is

    impact(paper, t) = grid(idf(scored N, scored_df(t)) * tf-part(tf, |paper|, scored avgdl))

- Indexing writes new postings with the scored statistics; it recomputes the postings
  of a term whose live df drifted more than BM25_DRIFT from its scored_df (cheap: such
  terms are rare ones, or many papers arrived), and recomputes every impact - a refresh -
  when N or avgdl drift more than BM25_DRIFT, k1 or b changed, or a term's df passed the
  scored N. So between refreshes a ranking is exact BM25 with statistics at most 2% old.
- ``bm25_refresh`` recomputes all statistics from the postings and every impact in one
  transaction (readers keep the old snapshot until it commits): afterwards the ranking
  is exact BM25 of the current corpus. ``manage.py bm25 refresh`` runs it.

All writes run in one transaction under a row lock on the corpus row, so two indexers
never interleave their df updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from search.bm25 import DOCUMENT_TEXT_SQL, DOCUMENT_VECTOR_SQL, idf_sql, impact_sql
from search.models import Bm25Corpus

CORPUS_ID = 1
_TEMP_TABLES = ("bm25_in_docs", "bm25_out_docs", "bm25_in_postings", "bm25_df_delta")


@dataclass(frozen=True)
class IndexCounts:
    indexed: int = 0  # papers analysed and written (new or changed text)
    unchanged: int = 0  # papers in scope whose indexed text had not changed
    removed: int = 0  # documents dropped because their paper no longer exists
    refreshed: bool = False  # whether every impact was recomputed


def bm25_index_papers(*, paper_ids: list[int] | None = None) -> IndexCounts:
    """(Re)index ``paper_ids`` (all papers when None) in bulk SQL; idempotent.

    Only papers whose title/abstract text changed are re-analysed; see the module
    docstring for when impacts are recomputed.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        corpus = _corpus_locked()
        _drop_temp_tables(cursor)
        in_scope, indexed, removed = _stage(cursor, paper_ids=paper_ids)
        refreshed = False
        if indexed or removed:
            incoming = _apply_documents(cursor)
            _count_documents(cursor)
            corpus.refresh_from_db()
            refreshed = _needs_refresh(cursor, corpus=corpus)
            if refreshed:
                _rescore_everything(cursor)
            else:
                _rescore_drifted_terms(cursor, corpus=corpus)
            _insert_postings(cursor, corpus=_corpus_locked(), incoming=incoming)
        _drop_temp_tables(cursor)
    return IndexCounts(
        indexed=indexed, unchanged=in_scope - indexed, removed=removed, refreshed=refreshed
    )


def bm25_refresh() -> Bm25Corpus:
    """Recompute N, avgdl, every df and every impact atomically; the index is then exact."""
    with transaction.atomic(), connection.cursor() as cursor:
        _corpus_locked()
        cursor.execute(
            "DELETE FROM search_bm25posting p WHERE NOT EXISTS"
            " (SELECT 1 FROM search_bm25document d WHERE d.paper_id = p.paper_id)"
        )
        cursor.execute(
            "INSERT INTO search_bm25term (lexeme, df, scored_df, idf)"
            " SELECT lexeme, count(*), 0, 0 FROM search_bm25posting GROUP BY lexeme"
            " ON CONFLICT (lexeme) DO UPDATE SET df = excluded.df"
            " WHERE search_bm25term.df <> excluded.df"
        )
        cursor.execute(
            "DELETE FROM search_bm25term t WHERE NOT EXISTS"
            " (SELECT 1 FROM search_bm25posting p WHERE p.lexeme = t.lexeme)"
        )
        _count_documents(cursor)
        _rescore_everything(cursor)
        return _corpus_locked()


def _corpus_locked() -> Bm25Corpus:
    Bm25Corpus.objects.get_or_create(id=CORPUS_ID)
    return Bm25Corpus.objects.select_for_update().get(id=CORPUS_ID)


def _drop_temp_tables(cursor: CursorWrapper) -> None:
    # Explicit drops rather than ON COMMIT DROP: the caller may hold an outer transaction.
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}")


def _stage(cursor: CursorWrapper, *, paper_ids: list[int] | None) -> tuple[int, int, int]:
    """Temp tables of what changes; returns (papers in scope, to index, to remove)."""
    scope: dict[str, Any] = {"all": paper_ids is None, "ids": list(paper_ids or [])}
    cursor.execute(
        "SELECT count(*) FROM papers_paper p WHERE %(all)s OR p.id = ANY(%(ids)s::bigint[])",
        scope,
    )
    (in_scope,) = cursor.fetchone()
    cursor.execute(
        "CREATE TEMP TABLE bm25_in_docs AS"
        f" SELECT p.id AS paper_id, md5({DOCUMENT_TEXT_SQL}) AS text_hash,"
        f" {DOCUMENT_VECTOR_SQL} AS vector"
        " FROM papers_paper p LEFT JOIN search_bm25document d ON d.paper_id = p.id"
        " WHERE (%(all)s OR p.id = ANY(%(ids)s::bigint[]))"
        f" AND d.text_hash IS DISTINCT FROM md5({DOCUMENT_TEXT_SQL})",
        scope,
    )
    indexed = cursor.rowcount
    cursor.execute(
        "CREATE TEMP TABLE bm25_out_docs AS"
        " SELECT d.paper_id, p.id IS NULL AS gone FROM search_bm25document d"
        " LEFT JOIN papers_paper p ON p.id = d.paper_id"
        " WHERE (%(all)s OR d.paper_id = ANY(%(ids)s::bigint[]))"
        " AND (p.id IS NULL OR d.paper_id IN (SELECT paper_id FROM bm25_in_docs))",
        scope,
    )
    cursor.execute("SELECT count(*) FROM bm25_out_docs WHERE gone")
    (removed,) = cursor.fetchone()
    return in_scope, indexed, removed


def _apply_documents(cursor: CursorWrapper) -> int:
    """Replace the documents of changed papers and apply the df changes.

    Their old postings are deleted; the new ones wait in bm25_in_postings, whose row
    count this returns.
    """
    cursor.execute(
        "CREATE TEMP TABLE bm25_in_postings AS"
        ' SELECT i.paper_id, u.lexeme COLLATE "C" AS lexeme,'
        " coalesce(array_length(u.positions, 1), 1) AS tf"
        " FROM bm25_in_docs i CROSS JOIN LATERAL unnest(i.vector) AS u"
    )
    incoming: int = cursor.rowcount
    cursor.execute(
        "CREATE TEMP TABLE bm25_df_delta AS SELECT lexeme, sum(delta)::int AS delta FROM ("
        " SELECT p.lexeme, -1 AS delta FROM search_bm25posting p"
        " WHERE p.paper_id IN (SELECT paper_id FROM bm25_out_docs)"
        " UNION ALL SELECT lexeme, 1 FROM bm25_in_postings"
        ") AS changes GROUP BY lexeme HAVING sum(delta) <> 0"
    )
    cursor.execute(
        "DELETE FROM search_bm25posting WHERE paper_id IN (SELECT paper_id FROM bm25_out_docs)"
    )
    cursor.execute(
        "DELETE FROM search_bm25document WHERE paper_id IN (SELECT paper_id FROM bm25_out_docs)"
    )
    cursor.execute(
        "INSERT INTO search_bm25document (paper_id, length, text_hash)"
        " SELECT i.paper_id, coalesce(sum(n.tf), 0), i.text_hash FROM bm25_in_docs i"
        " LEFT JOIN bm25_in_postings n ON n.paper_id = i.paper_id"
        " GROUP BY i.paper_id, i.text_hash"
    )
    # scored_df = 0 marks a term never scored: it gets its idf before its postings go in.
    cursor.execute(
        "UPDATE search_bm25term t SET df = t.df + d.delta FROM bm25_df_delta d"
        " WHERE d.lexeme = t.lexeme"
    )
    cursor.execute(
        "INSERT INTO search_bm25term (lexeme, df, scored_df, idf)"
        " SELECT d.lexeme, d.delta, 0, 0 FROM bm25_df_delta d"
        " WHERE NOT EXISTS (SELECT 1 FROM search_bm25term t WHERE t.lexeme = d.lexeme)"
    )
    cursor.execute("DELETE FROM search_bm25term WHERE df = 0")
    return incoming


def _count_documents(cursor: CursorWrapper) -> None:
    cursor.execute(
        "UPDATE search_bm25corpus SET (doc_count, total_length) ="
        " (SELECT count(*), coalesce(sum(length), 0) FROM search_bm25document)"
        " WHERE id = %s",
        [CORPUS_ID],
    )


def _needs_refresh(cursor: CursorWrapper, *, corpus: Bm25Corpus) -> bool:
    drift = settings.BM25_DRIFT
    if corpus.scored_doc_count == 0 or corpus.scored_avgdl == 0:
        return True
    if (corpus.k1, corpus.b) != (settings.BM25_K1, settings.BM25_B):
        return True
    if _drifted(corpus.doc_count, corpus.scored_doc_count, drift=drift):
        return True
    if _drifted(corpus.avgdl, corpus.scored_avgdl, drift=drift):
        return True
    # idf at the scored N must stay positive: a df above it needs the new N.
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM search_bm25term WHERE df > %s)", [corpus.scored_doc_count]
    )
    return bool(cursor.fetchone()[0])


def _drifted(live: float, scored: float, *, drift: float) -> bool:
    return abs(live - scored) > drift * scored


def _scoring_params(corpus: Bm25Corpus) -> dict[str, Any]:
    return {
        "n": corpus.scored_doc_count,
        "avgdl": corpus.scored_avgdl or 1.0,  # only 0 when there are no postings to score
        "k1": corpus.k1,
        "b": corpus.b,
        "drift": settings.BM25_DRIFT,
    }


def _rescore_everything(cursor: CursorWrapper) -> None:
    """Adopt the live statistics as the scored ones and recompute every stored impact."""
    cursor.execute(
        "UPDATE search_bm25corpus SET scored_doc_count = doc_count,"
        " scored_avgdl = CASE WHEN doc_count > 0 THEN total_length::float8 / doc_count"
        " ELSE 0 END, k1 = %s, b = %s, refreshed_at = now() WHERE id = %s",
        [settings.BM25_K1, settings.BM25_B, CORPUS_ID],
    )
    params = _scoring_params(_corpus_locked())
    idf = idf_sql(doc_count="%(n)s", df="df")
    cursor.execute(
        f"UPDATE search_bm25term SET scored_df = df, idf = {idf}"
        f" WHERE scored_df <> df OR idf <> {idf}",
        params,
    )
    _rescore_postings(cursor, params=params, only_terms_sql="")


def _rescore_drifted_terms(cursor: CursorWrapper, *, corpus: Bm25Corpus) -> None:
    """Score new terms, and re-score terms whose df drifted, at the scored N and avgdl."""
    params = _scoring_params(corpus)
    cursor.execute(
        f"UPDATE search_bm25term SET scored_df = df, idf = {idf_sql(doc_count='%(n)s', df='df')}"
        " WHERE lexeme IN (SELECT lexeme FROM bm25_df_delta)"
        " AND (scored_df = 0 OR abs(df - scored_df) > %(drift)s * scored_df)"
        " RETURNING lexeme",
        params,
    )
    drifted = [lexeme for (lexeme,) in cursor.fetchall()]
    if drifted:
        params["terms"] = drifted
        _rescore_postings(cursor, params=params, only_terms_sql="AND t.lexeme = ANY(%(terms)s)")


def _rescore_postings(
    cursor: CursorWrapper, *, params: dict[str, Any], only_terms_sql: str
) -> None:
    impact = impact_sql(idf="t.idf", tf="p.tf", length="d.length")
    cursor.execute(
        f"UPDATE search_bm25posting p SET impact = {impact}"
        " FROM search_bm25term t, search_bm25document d"
        f" WHERE t.lexeme = p.lexeme AND d.paper_id = p.paper_id {only_terms_sql}"
        f" AND p.impact <> {impact}",
        params,
    )


def _insert_postings(cursor: CursorWrapper, *, corpus: Bm25Corpus, incoming: int) -> None:
    impact = impact_sql(idf="t.idf", tf="n.tf", length="d.length")
    insert = (
        "INSERT INTO search_bm25posting (paper_id, lexeme, tf, impact)"
        f" SELECT n.paper_id, n.lexeme, n.tf, {impact} FROM bm25_in_postings n"
        " JOIN search_bm25term t ON t.lexeme = n.lexeme"
        " JOIN search_bm25document d ON d.paper_id = n.paper_id"
    )
    if not _is_bulk_load(cursor, incoming=incoming):
        cursor.execute(insert, _scoring_params(corpus))
        return
    # Row by row, each posting lands on a random page of the (lexeme, impact) index: with
    # 10^8 postings that is hours of random I/O and WAL. Sorting them into fresh indexes
    # takes minutes. Keyword searches wait on the table lock until this commits.
    for name in ("maintenance_work_mem", "work_mem"):  # sorts for the indexes, the joins
        cursor.execute("SELECT set_config(%s, %s, true)", [name, settings.BM25_BULK_MEMORY])
    for drop, _ in POSTING_INDEXES:
        cursor.execute(drop)
    cursor.execute(insert, _scoring_params(corpus))
    for _, create in POSTING_INDEXES:
        cursor.execute(create)


# (drop, create) of the indexes migrations give search_bm25posting, for a bulk load
# (tests/search/test_bm25_bulk.py checks they stay identical to the migrated ones).
POSTING_INDEXES = (
    (
        "ALTER TABLE search_bm25posting DROP CONSTRAINT search_bm25posting_pkey",
        "ALTER TABLE search_bm25posting ADD CONSTRAINT search_bm25posting_pkey"
        " PRIMARY KEY (paper_id, lexeme)",
    ),
    (
        "DROP INDEX bm25_posting_impact",
        "CREATE INDEX bm25_posting_impact ON search_bm25posting (lexeme, impact DESC, paper_id)",
    ),
)


def _is_bulk_load(cursor: CursorWrapper, *, incoming: int) -> bool:
    """Whether ``incoming`` postings are many, and at least as many as the table holds."""
    if incoming < settings.BM25_BULK_MIN_POSTINGS:
        return False
    # The planner's estimate is enough to choose a path (-1: never analysed yet).
    cursor.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
        " WHERE oid = 'search_bm25posting'::regclass"
    )
    (estimate,) = cursor.fetchone()
    return bool(incoming >= estimate)
