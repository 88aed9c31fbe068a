"""Trending: a transparent score with decay, windows, filters and a fixed query count."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from papers.models import Paper, TopicPaper, TrendingSignal
from papers.services.topics import TopicPlan, WeekPlan, topics_store
from papers.trending import (
    WINDOWS,
    OwnSignals,
    TrendingQuery,
    own_signals,
    rank_history,
    trending_papers,
    trending_score,
)
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


def _paper(*, announced: date, category: str = "cs.CL") -> Paper:
    return PaperFactory(announced_on=announced, primary_category=category, categories=[category])


def _signal(paper: Paper, *, day: date, upvotes: int, rank: int = 1, repo: str = "") -> None:
    TrendingSignal.objects.create(
        source="hf", day=day, paper=paper, rank=rank, upvotes=upvotes, github_repo=repo
    )


def test_the_score_is_the_sum_of_its_parts_times_the_decay() -> None:
    parts = trending_score(
        upvotes=100, own=OwnSignals(), has_code=True, age_days=2, window=WINDOWS["week"]
    )

    assert parts.hf == pytest.approx(math.log1p(100))
    assert (parts.own, parts.code) == (0.0, 0.5)
    assert parts.recency == pytest.approx(math.exp(-2 / 3))
    assert parts.score == pytest.approx((math.log1p(100) + 0.5) * math.exp(-2 / 3))


def test_own_signals_enter_the_score_as_views_over_ten_plus_bookmarks_and_upvotes() -> None:
    with_own = trending_score(
        upvotes=0, own=OwnSignals(views=50, bookmarks=2), has_code=False, age_days=0,
        window=WINDOWS["day"],
    )  # fmt: skip

    assert with_own.own == pytest.approx(math.log1p(50 / 10 + 2)) == with_own.score


def test_without_a_registered_provider_own_signals_are_zero() -> None:
    from papers import trending

    registered = trending._provider
    trending.own_signals_provider_set(None)
    try:
        assert own_signals(paper_ids=[1, 2, 3], since=TODAY, until=TODAY) == {}
    finally:
        trending.own_signals_provider_set(registered)
    assert registered is not None  # the digest app registered its reader at start-up


def test_a_fresh_paper_outranks_an_older_one_with_more_upvotes_after_decay() -> None:
    old, fresh = _paper(announced=TODAY - timedelta(days=6)), _paper(announced=TODAY)
    _signal(old, day=TODAY - timedelta(days=5), upvotes=60)
    _signal(fresh, day=TODAY, upvotes=20, repo="https://github.com/example/fresh")

    entries = trending_papers(window="week", day=TODAY)

    assert [e.paper for e in entries] == [fresh, old]
    assert [e.rank for e in entries] == [1, 2]
    assert entries[0].github_repo == "https://github.com/example/fresh"
    assert entries[0].parts.code == 0.5 and entries[1].parts.code == 0.0
    assert entries[1].parts.age_days == 6 and entries[1].parts.upvotes == 60
    assert entries[0].parts.score > entries[1].parts.score


def test_the_latest_upvote_count_in_the_window_is_used() -> None:
    paper = _paper(announced=TODAY - timedelta(days=2))
    for back, votes in ((2, 10), (1, 25), (0, 40)):
        _signal(paper, day=TODAY - timedelta(days=back), upvotes=votes, rank=back + 1)

    (entry,) = trending_papers(window="week", day=TODAY)

    assert entry.parts.upvotes == 40
    assert entry.rank_history == [
        (TODAY - timedelta(days=2), 3),
        (TODAY - timedelta(days=1), 2),
        (TODAY, 1),
    ]


def test_the_day_window_holds_only_todays_signals_and_the_month_window_older_ones() -> None:
    today, last_week = _paper(announced=TODAY), _paper(announced=TODAY - timedelta(days=12))
    _signal(today, day=TODAY, upvotes=3)
    _signal(last_week, day=TODAY - timedelta(days=10), upvotes=300)

    assert [e.paper for e in trending_papers(window="day", day=TODAY)] == [today]
    assert [e.paper for e in trending_papers(window="week", day=TODAY)] == [today]
    assert {e.paper for e in trending_papers(window="month", day=TODAY)} == {today, last_week}


def test_trending_lists_filter_by_category_and_by_topic() -> None:
    vision, language = _paper(announced=TODAY, category="cs.CV"), _paper(announced=TODAY)
    for paper in (vision, language):
        _signal(paper, day=TODAY, upvotes=5)
    topic_plan = TopicPlan(
        number=0, keywords=["vision"], size=1, is_outlier=False, centroid=None,
        rows=[(vision.pk, 1.0, 0.5, 0.5)],
    )  # fmt: skip
    week = topics_store(week_start=date(2026, 6, 29), plan=WeekPlan(1, [topic_plan]))
    topic = week.topics.get()

    by_category = trending_papers(window="week", day=TODAY, category="cs.CL")
    by_topic = trending_papers(window="week", day=TODAY, topic_id=topic.pk)

    assert [e.paper for e in by_category] == [language]
    assert [e.paper for e in by_topic] == [vision]
    assert TopicPaper.objects.get().paper == vision


def test_a_trending_page_takes_the_same_queries_for_3_or_30_papers(
    django_assert_num_queries: object,
) -> None:
    def count_for(n: int) -> int:
        TrendingSignal.objects.all().delete()
        for i in range(n):
            _signal(_paper(announced=TODAY), day=TODAY, upvotes=i, rank=i + 1)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            entries = trending_papers(window="week", day=TODAY)
            [a.author.name for e in entries for a in e.paper.authorships.all()]
        assert len(entries) == n
        return len(captured)

    assert count_for(3) == count_for(30) <= 5  # signals, own signals, papers, authors, history


def test_pagination_continues_the_ranks() -> None:
    for votes in (50, 40, 30):
        _signal(_paper(announced=TODAY), day=TODAY, upvotes=votes)

    page = trending_papers(window="week", day=TODAY, limit=2, offset=2)

    assert [(e.rank, e.parts.upvotes) for e in page] == [(3, 30)]


def test_rank_history_keeps_one_rank_per_day_oldest_first() -> None:
    paper = _paper(announced=TODAY)
    _signal(paper, day=TODAY - timedelta(days=20), upvotes=1, rank=9)  # outside 14 days
    _signal(paper, day=TODAY - timedelta(days=1), upvotes=1, rank=4)
    _signal(paper, day=TODAY, upvotes=1, rank=2)

    assert rank_history(paper_ids=[paper.pk], day=TODAY) == {
        paper.pk: [(TODAY - timedelta(days=1), 4), (TODAY, 2)]
    }


def test_the_query_string_is_read_leniently() -> None:
    assert TrendingQuery.from_params({"window": "month", "cat": " cs.CV ", "topic": "7"}) == (
        TrendingQuery(window="month", category="cs.CV", topic_id=7)
    )
    assert TrendingQuery.from_params({"window": "year", "topic": "x"}) == TrendingQuery()
