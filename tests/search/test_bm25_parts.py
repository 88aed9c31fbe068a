"""BM25 ranked as parts of the corpus (paper id modulo P), merged: exactly the whole ranking.

The parts run on separate connections at once (SEARCH_BM25_PARTS); inside a transaction
they cannot see its uncommitted rows, so the ranking is then made whole on one connection.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from django.db import connection, transaction
from django.db.utils import DataError
from django.test import override_settings

from papers.models import Paper
from papers.services import papers_upsert
from search import bm25
from search.bm25 import bm25_search_exhaustive, query_lexemes
from search.services import bm25_index_papers
from tests.search.test_bm25 import (  # noqa: F401 (corpus is a fixture)
    CORPUS_SIZE,
    corpus,
    real_records,
    title_queries,
)

pytestmark = pytest.mark.usefixtures("corpus")


def best(terms: list[str], k: int, max_postings: int, parts: int = 1, part: int = 0) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT paper_id, score FROM search_bm25_best(%s::text[], %s, %s, %s, %s)",
            [terms, k, max_postings, parts, part],
        )
        return [(int(paper_id), float(score)) for paper_id, score in cursor.fetchall()]


def merged(terms: list[str], k: int, max_postings: int, parts: int) -> list:
    rows = [row for part in range(parts) for row in best(terms, k, max_postings, parts, part)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))[:k]


@pytest.mark.django_db
@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("k", [1, 10, 100])
def test_merged_parts_are_exactly_the_whole_ranking_by_both_plans(parts, k) -> None:
    queries = ["large language models", "diffusion", *title_queries(12, seed=11)]
    for query in queries:
        terms = query_lexemes(query=query)
        whole = bm25_search_exhaustive(query=query, limit=k)
        for max_postings in (0, 10**9):  # 0 forces the threshold algorithm, 10**9 the sum
            assert merged(terms, k, max_postings, parts) == whole, (query, max_postings)
            part_ids = [row[0] for row in best(terms, k, max_postings, parts, parts - 1)]
            assert all(paper_id % parts == parts - 1 for paper_id in part_ids)


@pytest.mark.django_db
@pytest.mark.parametrize(("parts", "part"), [(2, 2), (2, -1), (0, 0)])
def test_a_part_outside_the_corpus_is_an_error(parts, part) -> None:
    with pytest.raises(DataError, match="is not a part of the corpus"):
        best(["model"], 10, 0, parts, part)


def spy_on_parts(monkeypatch) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Record (thread name, database backend pid) of every part ranked in a pool thread."""
    calls: list[tuple[str, int]] = []
    real = bm25._keyword_part_in_thread

    def recording(**kwargs):  # type: ignore[no-untyped-def]
        rows = real(**kwargs)
        calls.append((threading.current_thread().name, connection.connection.info.backend_pid))
        return rows

    monkeypatch.setattr(bm25, "_keyword_part_in_thread", recording)
    return calls


@pytest.mark.django_db(transaction=True)
def test_parts_run_on_other_connections_and_give_the_whole_ranking(monkeypatch) -> None:
    calls = spy_on_parts(monkeypatch)
    queries = ["neural networks", *title_queries(8, seed=12)]
    with override_settings(SEARCH_BM25_PARTS=1):
        whole = [bm25.keyword_ranking(text=query, k=20) for query in queries]
    assert not calls
    with override_settings(SEARCH_BM25_PARTS=3):
        in_parts = [bm25.keyword_ranking(text=query, k=20) for query in queries]
    assert in_parts == whole
    exhaustive = bm25_search_exhaustive(query=queries[0], limit=20)
    assert whole[0] == exhaustive
    assert len(calls) == 2 * len(queries)
    own_pid = connection.connection.info.backend_pid
    assert {name.split("_")[0] for name, _ in calls} == {"bm25"}
    assert own_pid not in {pid for _, pid in calls}


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_ranking_is_whole_and_sees_its_own_rows(monkeypatch) -> None:
    calls = spy_on_parts(monkeypatch)
    record = replace(real_records(1, skip=CORPUS_SIZE)[0], title="Quorblewise attention")
    with override_settings(SEARCH_BM25_PARTS=2), transaction.atomic():
        papers_upsert(records=[record])
        paper = Paper.objects.get(arxiv_id=record.arxiv_id)
        bm25_index_papers(paper_ids=[paper.id])
        ranking = bm25.keyword_ranking(text="quorblewise", k=10)
    assert [paper_id for paper_id, _ in ranking] == [paper.id]
    assert not calls
