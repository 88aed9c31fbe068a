"""A backfill's bulk load: indexes dropped, postings loaded, indexes rebuilt sorted.

It must leave exactly the index row-by-row inserts leave, with the migrated index
definitions, and must not be taken for a load smaller than what is already stored.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from papers.models import Paper
from papers.services import papers_upsert
from search.bm25 import bm25_search
from search.models import Bm25Corpus, Bm25Document, Bm25Posting, Bm25Term
from search.services import bm25_index_papers
from tests.search.test_bm25 import (
    CORPUS_SIZE,
    assert_same_ranking,
    index_snapshot,
    real_records,
    reference_top,
    title_queries,
)

pytestmark = pytest.mark.django_db


def posting_indexes() -> dict[str, tuple[int, str]]:
    """Each index of the posting table: (its oid, its definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, c.oid, i.indexdef FROM pg_indexes i"
            " JOIN pg_class c ON c.relname = i.indexname"
            " WHERE i.tablename = 'search_bm25posting'"
        )
        return {name: (oid, definition) for name, oid, definition in cursor.fetchall()}


def forget_index() -> None:
    Bm25Posting.objects.all().delete()
    Bm25Document.objects.all().delete()
    Bm25Term.objects.all().delete()
    Bm25Corpus.objects.all().delete()


def test_a_bulk_load_leaves_the_same_index_as_row_by_row_inserts() -> None:
    papers_upsert(records=real_records(CORPUS_SIZE))
    migrated = posting_indexes()
    assert set(migrated) == {"search_bm25posting_pkey", "bm25_posting_impact"}
    bm25_index_papers()  # a few thousand postings: row by row
    assert posting_indexes() == migrated
    row_by_row = index_snapshot()

    forget_index()
    with override_settings(BM25_BULK_MIN_POSTINGS=1):
        bm25_index_papers()
    rebuilt = posting_indexes()
    assert {name: d for name, (_, d) in rebuilt.items()} == {
        name: d for name, (_, d) in migrated.items()
    }
    assert all(rebuilt[name][0] != migrated[name][0] for name in migrated)  # really rebuilt
    assert index_snapshot() == row_by_row
    for query in ["large language models", "diffusion", *title_queries(5, seed=7)]:
        assert_same_ranking(bm25_search(query=query), reference_top(query))


def test_a_load_smaller_than_the_stored_postings_goes_row_by_row() -> None:
    papers_upsert(records=real_records(CORPUS_SIZE))
    with override_settings(BM25_BULK_MIN_POSTINGS=1):
        bm25_index_papers()
        after_bulk = posting_indexes()
        papers_upsert(records=real_records(30, skip=CORPUS_SIZE))
        new_ids = list(Paper.objects.order_by("-id").values_list("id", flat=True)[:30])
        counts = bm25_index_papers(paper_ids=new_ids)
    assert counts.indexed == 30
    assert posting_indexes() == after_bulk  # same oids: nothing dropped
    for query in ["neural networks", *title_queries(3, seed=8)]:
        assert_same_ranking(bm25_search(query=query), reference_top(query))
