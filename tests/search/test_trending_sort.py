"""sort=trending orders results by the site's one trending ranking, newest after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from papers.models import Paper, TrendingSignal
from papers.trending import trending_ranking
from search.selectors import TRENDING_WINDOW, SearchRequest, search_papers
from search.services import bm25_index_papers
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db


def _paper(title: str, *, category: str = "cs.CL", days_old: int = 5) -> Paper:
    return PaperFactory(
        title=title, title_text=title, abstract_text=f"{title}. Attention everywhere.",
        categories=[category], primary_category=category,
        submitted_at=datetime.now(UTC) - timedelta(days=days_old),
    )  # fmt: skip


def _trend(paper: Paper, *, upvotes: int, back: int) -> None:
    TrendingSignal.objects.create(
        source="hf", day=timezone.localdate() - timedelta(days=back), paper=paper, rank=1,
        upvotes=upvotes,
    )  # fmt: skip


@pytest.fixture
def papers() -> dict[str, Paper]:
    made = {
        "week": _paper("Sparse attention routing"),  # many votes three days ago
        "today": _paper("Attention sinks revisited"),  # few votes today
        "old_hit": _paper("Attention in the long run"),  # votes outside the week
        "quiet": _paper("Attention for tables", days_old=1),  # newest, no signal
        "vision": _paper("Attention for pixels", category="cs.CV"),
    }
    _trend(made["week"], upvotes=60, back=3)
    _trend(made["today"], upvotes=5, back=0)
    _trend(made["old_hit"], upvotes=900, back=20)
    _trend(made["vision"], upvotes=300, back=0)
    return made


def _expected(papers: dict[str, Paper], *, category: str) -> list[int]:
    ranked = [
        r.paper_id for r in trending_ranking(window=TRENDING_WINDOW, day=timezone.localdate())
    ]
    mine = [pk for pk in ranked if Paper.objects.get(pk=pk).categories == [category]]
    rest = Paper.objects.filter(categories=[category]).exclude(pk__in=mine)
    return mine + list(rest.order_by("-submitted_at").values_list("pk", flat=True))


def test_filtered_results_sorted_by_trending_follow_the_trending_ranking(papers) -> None:
    results = search_papers(request=SearchRequest(categories=("cs.CL",), sort="trending"))

    ids = [hit.paper.pk for hit in results.hits]
    assert ids == _expected(papers, category="cs.CL")
    names = {p.pk: name for name, p in papers.items()}
    assert [names[pk] for pk in ids] == ["week", "today", "quiet", "old_hit"]


def test_a_keyword_search_sorted_by_trending_uses_the_same_ranking(papers) -> None:
    bm25_index_papers()

    results = search_papers(
        request=SearchRequest(q="attention", mode="keyword", categories=("cs.CL",), sort="trending")
    )

    assert [hit.paper.pk for hit in results.hits] == _expected(papers, category="cs.CL")
