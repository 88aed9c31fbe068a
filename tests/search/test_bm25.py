"""BM25 over real arXiv abstracts: equal to Okapi BM25 computed independently, and the
threshold algorithm equal to the exhaustive sum.

The reference is rank_bm25's BM25Okapi with its idf replaced by the Lucene form used
here, ln(1 + (N - df + 0.5) / (df + 0.5)) (BM25Okapi floors negative idfs at
epsilon * mean idf instead); its tf part is the standard Okapi one. It is fed exactly
the lexemes PostgreSQL's english analysis produces for each paper, each repeated tf
times, so the comparison tests the index and the scoring, not two tokenisers.
"""

from __future__ import annotations

import gzip
import math
import random
from dataclasses import replace
from datetime import date
from itertools import islice

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from papers.harvest.sample import LISTINGS_DIR, parse_listing_line
from papers.models import Paper
from papers.services import papers_upsert
from search.bm25 import bm25_search, bm25_search_exhaustive
from search.models import Bm25Corpus, Bm25Document, Bm25Posting, Bm25Term
from search.services import bm25_index_papers, bm25_refresh

pytestmark = pytest.mark.django_db

K1, B = 1.2, 0.75
CORPUS_SIZE = 300


class LuceneIdfBM25(BM25Okapi):
    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, df in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - df + 0.5) / (df + 0.5))


def real_records(count: int, *, skip: int = 0) -> list:
    def lines():  # type: ignore[no-untyped-def]
        for path in sorted(LISTINGS_DIR.glob("2026-06-0*.jsonl.gz")):
            day = date.fromisoformat(path.name.split(".")[0])
            with gzip.open(path, "rt", encoding="utf-8") as listing:
                for line in listing:
                    yield parse_listing_line(line, announced_on=day)

    unique = {record.arxiv_id: record for record in islice(lines(), 3 * (count + skip))}
    return list(unique.values())[skip : skip + count]


@pytest.fixture
def corpus() -> list[int]:
    papers_upsert(records=real_records(CORPUS_SIZE))
    bm25_index_papers()
    return list(Paper.objects.order_by("id").values_list("id", flat=True))


def analysed_documents() -> dict[int, list[str]]:
    """Each paper's lexemes by PostgreSQL's english analysis, repeated tf times."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, u.lexeme, array_length(u.positions, 1) FROM papers_paper p"
            " LEFT JOIN LATERAL unnest(to_tsvector('english', p.title_text || ' ' ||"
            " p.abstract_text)) u ON true ORDER BY p.id, u.lexeme"
        )
        documents: dict[int, list[str]] = {}
        for paper_id, lexeme, tf in cursor.fetchall():
            documents.setdefault(paper_id, []).extend([lexeme] * tf if lexeme else [])
    return documents


def analysed_query(query: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english', %s))", [query])
        return [lexeme for (lexeme,) in cursor.fetchall()]


def reference_top(query: str, limit: int = 10) -> list[tuple[int, float]]:
    documents = analysed_documents()
    ids = list(documents)
    reference = LuceneIdfBM25(list(documents.values()), k1=K1, b=B)
    scores = reference.get_scores(analysed_query(query))
    ranked = sorted((-score, paper_id) for paper_id, score in zip(ids, scores, strict=True))
    return [(paper_id, -score) for score, paper_id in ranked if score < 0][:limit]


def assert_same_ranking(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [paper_id for paper_id, _ in got] == [paper_id for paper_id, _ in want]
    for (_, got_score), (_, want_score) in zip(got, want, strict=True):
        assert got_score == pytest.approx(want_score, rel=1e-6)


def title_queries(count: int, *, seed: int) -> list[str]:
    rng = random.Random(seed)
    titles = list(Paper.objects.values_list("title_text", flat=True))
    queries = []
    for _ in range(count):
        words = rng.choice(titles).split()
        size = min(len(words), rng.randint(1, 6))
        start = rng.randint(0, len(words) - size)
        queries.append(" ".join(words[start : start + size]))
    return queries


def index_snapshot() -> tuple[list, list, list, tuple]:
    corpus = Bm25Corpus.objects.get()
    return (
        list(Bm25Posting.objects.order_by("paper_id", "lexeme").values_list()),
        list(Bm25Term.objects.order_by("lexeme").values_list()),
        list(Bm25Document.objects.order_by("paper_id").values_list()),
        (corpus.doc_count, corpus.total_length, corpus.scored_doc_count, corpus.scored_avgdl),
    )


def test_scores_equal_okapi_bm25_with_lucene_idf_on_real_abstracts(corpus: list[int]) -> None:
    queries = [
        "large language models",
        "graph neural networks for molecules",
        "diffusion",
        "quantum error correction",
        "reinforcement learning from human feedback",
        *title_queries(15, seed=1),
    ]
    for query in queries:
        assert_same_ranking(bm25_search(query=query), reference_top(query))


def test_index_statistics_are_those_of_the_analysed_papers(corpus: list[int]) -> None:
    documents = analysed_documents()
    stats = Bm25Corpus.objects.get()
    assert stats.doc_count == stats.scored_doc_count == len(documents) == CORPUS_SIZE
    lengths = sum(len(tokens) for tokens in documents.values())
    assert stats.scored_avgdl == pytest.approx(lengths / len(documents), rel=1e-12)
    df: dict[str, int] = {}
    for tokens in documents.values():
        for lexeme in set(tokens):
            df[lexeme] = df.get(lexeme, 0) + 1
    assert dict(Bm25Term.objects.values_list("lexeme", "df")) == df
    assert Bm25Posting.objects.count() == sum(df.values())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_threshold_algorithm_returns_exactly_the_exhaustive_ranking(
    corpus: list[int], data: st.DataObject
) -> None:
    vocabulary = sorted(
        {w for t in Paper.objects.values_list("title_text", flat=True) for w in t.split()}
    )
    words = data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=8))
    limit = data.draw(st.integers(min_value=1, max_value=40))
    query = " ".join(words)
    assert bm25_search(query=query, limit=limit) == bm25_search_exhaustive(query=query, limit=limit)


def test_threshold_algorithm_matches_exhaustive_on_title_queries(corpus: list[int]) -> None:
    found = 0
    for query in title_queries(80, seed=2):
        got = bm25_search(query=query)
        assert got == bm25_search_exhaustive(query=query)
        found += bool(got)
    assert found >= 70  # the others are stop words alone, such as "Are"


def test_indexing_the_same_papers_twice_changes_nothing(corpus: list[int]) -> None:
    before = index_snapshot()
    counts = bm25_index_papers()
    assert (counts.indexed, counts.unchanged, counts.removed) == (0, CORPUS_SIZE, 0)
    assert not counts.refreshed
    assert index_snapshot() == before


def test_many_new_papers_update_statistics_and_rankings_stay_exact(corpus: list[int]) -> None:
    papers_upsert(records=real_records(100, skip=CORPUS_SIZE))
    new_ids = list(Paper.objects.exclude(id__in=corpus).values_list("id", flat=True))
    counts = bm25_index_papers(paper_ids=new_ids)
    assert counts.indexed == 100 and counts.refreshed  # N grew by a third: beyond the drift
    stats = Bm25Corpus.objects.get()
    assert stats.doc_count == stats.scored_doc_count == CORPUS_SIZE + 100
    for query in ["language models", "neural", *title_queries(5, seed=3)]:
        assert_same_ranking(bm25_search(query=query), reference_top(query))


def stored_statistics_reference(query: str, limit: int = 10) -> list[tuple[int, float]]:
    """BM25 with the statistics the index says its impacts use (not the live ones)."""
    corpus = Bm25Corpus.objects.get()
    terms = set(analysed_query(query))
    scored_df = dict(Bm25Term.objects.filter(lexeme__in=terms).values_list("lexeme", "scored_df"))
    n, avgdl = corpus.scored_doc_count, corpus.scored_avgdl
    scores: list[tuple[float, int]] = []
    for paper_id, tokens in analysed_documents().items():
        score = 0.0
        for lexeme in terms & set(tokens):
            tf, df = tokens.count(lexeme), scored_df[lexeme]
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(tokens) / avgdl))
        if score > 0:
            scores.append((-score, paper_id))
    return [(paper_id, -score) for score, paper_id in sorted(scores)[:limit]]


def test_a_few_new_papers_are_scored_with_the_stored_statistics_until_refresh(
    corpus: list[int],
) -> None:
    papers_upsert(records=real_records(3, skip=CORPUS_SIZE))
    counts = bm25_index_papers()
    assert counts.indexed == 3 and not counts.refreshed  # 1% more papers: within the drift
    stats = Bm25Corpus.objects.get()
    assert (stats.doc_count, stats.scored_doc_count) == (CORPUS_SIZE + 3, CORPUS_SIZE)
    queries = ["language models", *title_queries(8, seed=4)]
    for query in queries:
        assert_same_ranking(bm25_search(query=query), stored_statistics_reference(query))
        assert bm25_search(query=query) == bm25_search_exhaustive(query=query)

    refreshed = bm25_refresh()
    assert refreshed.scored_doc_count == CORPUS_SIZE + 3
    for query in queries:
        assert_same_ranking(bm25_search(query=query), reference_top(query))


def test_a_changed_abstract_replaces_the_papers_postings(corpus: list[int]) -> None:
    paper = Paper.objects.get(id=corpus[0])
    record = next(r for r in real_records(CORPUS_SIZE) if r.arxiv_id == paper.arxiv_id)
    changed = replace(
        record, version=record.version + 1, abstract="Zymurgical fermentation of xylophone tokens."
    )
    papers_upsert(records=[changed])
    counts = bm25_index_papers(paper_ids=[paper.id])
    assert counts.indexed == 1
    assert bm25_search(query="zymurgical xylophone")[0][0] == paper.id
    bm25_refresh()
    assert_same_ranking(
        bm25_search(query="zymurgical xylophone"), reference_top("zymurgical xylophone")
    )


def test_a_deleted_paper_leaves_the_index(corpus: list[int]) -> None:
    top_id = bm25_search(query="language models")[0][0]
    Paper.objects.filter(id=top_id).delete()
    assert not Bm25Posting.objects.filter(paper_id=top_id).exists()
    bm25_refresh()
    assert_same_ranking(bm25_search(query="language models"), reference_top("language models"))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "the of and to with",
        "qwzxv unknownlexemeqq",
        "&|!():*<>'",
        "a & b | !c (d):* <-> 'e'",
        "'; DROP TABLE papers_paper; --",
        '" OR 1=1 --',
        "nul\x00byte",
        "transformer " * 900 + "attention " * 300,
        " ".join(f"word{n} graph" for n in range(1200)),
    ],
)
def test_hostile_or_empty_queries_return_sensible_results(corpus: list[int], query: str) -> None:
    got = bm25_search(query=query)
    assert got == bm25_search_exhaustive(query=query)
    assert len(got) <= 10
    assert Paper.objects.count() == CORPUS_SIZE


@pytest.mark.parametrize("query", ["", "   ", "the of and to with", "&|!():*<>'", "qwzxv"])
def test_queries_without_indexed_terms_find_nothing(corpus: list[int], query: str) -> None:
    assert bm25_search(query=query) == []


def test_operator_characters_are_only_separators(corpus: list[int]) -> None:
    assert bm25_search(query="(language) & !models:*") == bm25_search(query="language models")


def test_candidate_ids_restrict_the_ranking_to_those_papers(corpus: list[int]) -> None:
    everything = bm25_search(query="language models", limit=50)
    chosen = [paper_id for paper_id, _ in everything[10:20]]
    got = bm25_search(query="language models", candidate_ids=chosen)
    assert got == everything[10:20]


def test_refresh_command_reports_the_statistics(corpus: list[int], capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("bm25", "refresh")
    assert f"N={CORPUS_SIZE}" in capsys.readouterr().out
