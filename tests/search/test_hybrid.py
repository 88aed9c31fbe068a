"""Hybrid search through the real code path: BM25 in PostgreSQL, pgvector, RRF, filters."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from papers.harvest.sample import LISTINGS_DIR, parse_listing_line
from papers.models import Paper
from papers.selectors import similar_papers
from papers.services import papers_upsert
from papers.services.embeddings import papers_embed
from search.selectors import SearchQueryError, SearchRequest, search_papers
from search.services import bm25_index_papers

DAY = date(2026, 6, 2)


def sample_records(count: int) -> list:
    path = Path(LISTINGS_DIR) / "2026-06-02.jsonl.gz"
    seen, records = set(), []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = parse_listing_line(line, announced_on=DAY)
            if record.arxiv_id not in seen:
                seen.add(record.arxiv_id)
                records.append(record)
            if len(records) == count:
                break
    return records


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """60 real papers plus one with HTML in its abstract, embedded and indexed once."""
    with django_db_blocker.unblock():
        records = sample_records(60)
        hostile = replace(
            records[0], arxiv_id="2606.99999", title="Attention <script>alert(1)</script>",
            abstract="We <b>bold</b> claim attention & transformers help.", categories=("cs.CL",),
        )  # fmt: skip
        papers_upsert(records=[*records, hostile])
        papers_embed()
        bm25_index_papers()
        yield records
        Paper.objects.all().delete()


def search(**kwargs):
    return search_papers(request=SearchRequest(**kwargs))


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_a_papers_own_title_finds_it_first_in_every_mode(corpus, mode: str) -> None:
    target = corpus[7]
    results = search(q=target.title, mode=mode)
    assert results.hits[0].paper.arxiv_id == target.arxiv_id


@pytest.mark.django_db
def test_hybrid_fuses_both_sides_and_reports_their_ranks(corpus) -> None:
    hit = search(q=corpus[3].title).hits[0]
    assert (hit.keyword_rank, hit.semantic_rank) == (1, 1)
    assert hit.score == pytest.approx(1.0)  # the best of both sides: 1 whatever the weight


@pytest.mark.django_db
def test_semantic_mode_finds_a_paraphrase_keyword_mode_cannot(corpus) -> None:
    target = corpus[7]
    results = search(q=target.abstract[:300], mode="semantic")
    assert target.arxiv_id in [h.paper.arxiv_id for h in results.hits[:3]]


@pytest.mark.django_db
def test_filters_narrow_the_results(corpus) -> None:
    target = corpus[5]
    category = target.categories[0]
    hits = search(q="learning", categories=(category,)).hits
    assert hits and all(category in h.paper.categories for h in hits)
    assert search(q="learning", date_from=date(2030, 1, 1)).hits == []
    word = target.title.split()[0]
    assert target.arxiv_id not in [
        h.paper.arxiv_id for h in search(q=f"{target.title} -{word}").hits
    ]
    author = target.authors[0]
    hits = search(q=f'author:"{author}"').hits
    assert target.arxiv_id in [h.paper.arxiv_id for h in hits]


@pytest.mark.django_db
def test_a_quoted_phrase_must_appear(corpus) -> None:
    words = corpus[9].abstract.split()[3:6]
    phrase = " ".join(w.strip(".,;:()") for w in words)
    hits = search(q=f'"{phrase}"').hits
    assert hits and all(phrase.lower().split()[0] in h.paper.abstract_text.lower() for h in hits)


@pytest.mark.django_db
def test_highlights_mark_the_words_and_escape_the_text(corpus) -> None:
    hit = next(
        h for h in search(q="attention transformers").hits if h.paper.arxiv_id == "2606.99999"
    )
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<mark>Attention</mark>" in hit.title_html
    assert "</b>" not in hit.snippet_html and "bold&lt;/b&gt;" in hit.snippet_html


@pytest.mark.django_db
def test_an_arxiv_id_jumps_to_the_paper(corpus) -> None:
    response = Client().get("/search", {"q": f"https://arxiv.org/abs/{corpus[2].arxiv_id}v2"})
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{corpus[2].arxiv_id}/"


@pytest.mark.django_db
def test_similar_papers_come_from_the_papers_own_vector(corpus) -> None:
    paper = Paper.objects.get(arxiv_id=corpus[1].arxiv_id)
    similar = similar_papers(paper=paper, limit=5)
    assert len(similar) == 5 and paper not in similar


@pytest.mark.django_db
def test_the_search_page_and_api_agree(corpus, django_assert_max_num_queries) -> None:
    client = Client()
    with django_assert_max_num_queries(8):
        page = client.get("/search", {"q": "language models", "per_page": 20})
    api = client.get("/api/search", {"q": "language models"}).json()
    assert page.status_code == 200
    assert api["total"] > 0 and api["mode"] == "hybrid"
    first = api["results"][0]
    assert first["arxiv_id"].encode() in page.content
    assert set(first) >= {"title", "authors", "abs_url", "pdf_url", "keyword_rank", "semantic_rank"}


@pytest.mark.django_db
def test_htmx_requests_get_only_the_results_partial(corpus) -> None:
    response = Client().get("/search", {"q": "vision"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'<section id="results"' in response.content and b"<html" not in response.content
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"mode": "bogus"}, {"page": "0"}, {"page": "x"}, {"date_from": "06/01/2026"},
     {"cat": "cs.LG; DROP TABLE"}, {"q": "after:yesterday"}],
)  # fmt: skip
def test_bad_parameters_are_a_400_with_a_message(corpus, params) -> None:
    page = Client().get("/search", {"q": "x", **params})
    api = Client().get("/api/search", {"q": "x", **params})
    assert (page.status_code, api.status_code) == (400, 400)
    assert api.json()["error"]


def test_an_invalid_request_raises_a_clear_error() -> None:
    with pytest.raises(SearchQueryError, match="mode must be one of"):
        search(q="x", mode="fuzzy")


NASTY = st.one_of(
    st.text(max_size=200),
    st.sampled_from([
        "", " ", "!!!", "&|!():*<>'", "a & b | !c <-> d", "' OR 1=1; --",
        "'); DROP TABLE papers_paper; --", "$\\alpha$ \\frac{1}{2}", "变换器 трансформер محول",
        "x" * 10_000, '"unclosed', "-", "author:", "cat:", "\x00", "%_%", "\\", "::", "date:..",
    ]),
)  # fmt: skip


@pytest.mark.django_db
@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=NASTY, mode=st.sampled_from(["hybrid", "keyword", "semantic"]))
def test_any_query_gives_a_page_or_a_400_never_a_500(corpus, q: str, mode: str) -> None:
    response = Client().get("/api/search", {"q": q, "mode": mode})
    assert response.status_code in (200, 400), response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("k", [1, 10, 100])
def test_both_bm25_plans_return_the_same_rows(corpus, k: int) -> None:
    from django.db import connection

    from search.bm25 import query_lexemes

    for record in corpus[:15]:
        terms = query_lexemes(query=record.title)
        with connection.cursor() as cursor:
            plans = []
            for max_postings in (0, 10**9):  # 0 forces the threshold algorithm, 10**9 the sum
                cursor.execute("SELECT * FROM search_bm25_best(%s::text[], %s, %s)",
                               [terms, k, max_postings])  # fmt: skip
                plans.append(cursor.fetchall())
        assert plans[0] == plans[1] and plans[0]


@pytest.mark.django_db
def test_a_one_term_query_takes_the_threshold_algorithm_whatever_the_limit(corpus) -> None:
    """One term: the threshold algorithm reads only the top k of that term's postings."""
    from django.db import connection

    from search.bm25 import bm25_search_exhaustive, query_lexemes

    def threshold_calls(cursor) -> int:
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
            " WHERE funcname = 'search_bm25_topk'"
        )
        return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        before = threshold_calls(cursor)
        cursor.execute("SELECT * FROM search_bm25_best(%s::text[], 10, %s)",
                       [query_lexemes(query="learning"), 10**9])  # fmt: skip
        rows = [(int(paper_id), float(score)) for paper_id, score in cursor.fetchall()]
        assert threshold_calls(cursor) == before + 1
        cursor.execute("SELECT * FROM search_bm25_best(%s::text[], 10, %s)",
                       [query_lexemes(query="learning models"), 10**9])  # fmt: skip
        assert threshold_calls(cursor) == before + 1  # two terms under the limit: the sum
    assert rows and rows == bm25_search_exhaustive(query="learning", limit=10)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_a_broken_query_encoder_falls_back_to_keyword_results(corpus, monkeypatch, mode) -> None:
    from papers.embeddings import encoder

    def broken(text: str):
        raise encoder.EmbeddingError("model files missing")

    monkeypatch.setattr(encoder, "encode_query", broken)
    target = corpus[7]
    response = Client().get("/api/search", {"q": target.title, "mode": mode})
    body = response.json()
    assert response.status_code == 200
    assert body["results"][0]["arxiv_id"] == target.arxiv_id
    assert body["results"][0]["semantic_rank"] is None
    assert "keyword (BM25) results" in body["notice"]
