"""Trending: one score per window from the signals inside it, each window with its decay."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from papers.models import Paper, TopicPaper, TrendingSignal
from papers.services.topics import TopicPlan, WeekPlan, topics_store
from papers.trending import (
    OWN_DAILY_CAP,
    WINDOWS,
    DaySignals,
    OwnSignals,
    TrendingQuery,
    own_signals,
    paper_signal_days,
    paper_trending_parts,
    rank_history,
    trending_formula,
    trending_papers,
    trending_ranking,
    trending_score,
)
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


def _paper(*, announced: date = TODAY, category: str = "cs.CL") -> Paper:
    return PaperFactory(announced_on=announced, primary_category=category, categories=[category])


def _signal(paper: Paper, *, back: int, upvotes: int, rank: int = 1, repo: str = "") -> None:
    TrendingSignal.objects.create(
        source="hf", day=TODAY - timedelta(days=back), paper=paper, rank=rank, upvotes=upvotes,
        github_repo=repo,
    )  # fmt: skip


def _order(window: str) -> list[Paper]:
    return [e.paper for e in trending_papers(window=window, day=TODAY)]


def test_the_score_is_the_log_of_the_faded_points_plus_the_code_bonus() -> None:
    days = [DaySignals(day=TODAY, hf_new=10), DaySignals(day=TODAY - timedelta(days=2), hf_new=30)]

    parts = trending_score(days=days, window=WINDOWS["week"], day=TODAY, upvotes=40, has_code=True)

    heat = 10 + 30 * math.exp(-2 / 3)
    assert (parts.hf_new, parts.hf_heat, parts.heat) == (
        40,
        pytest.approx(heat),
        pytest.approx(heat),
    )
    assert parts.score == pytest.approx(math.log1p(heat) + 0.5)


def test_a_signal_outside_the_window_counts_nothing() -> None:
    old = [DaySignals(day=TODAY - timedelta(days=7), hf_new=500)]

    parts = trending_score(days=old, window=WINDOWS["week"], day=TODAY, upvotes=500, has_code=True)

    assert (parts.heat, parts.score, parts.reason) == (0, 0, "")


def test_own_points_are_views_over_ten_plus_bookmarks_and_upvotes_capped_per_day() -> None:
    modest = DaySignals(day=TODAY, own=OwnSignals(views=50, bookmarks=2))
    flood = DaySignals(day=TODAY, own=OwnSignals(views=5000, upvotes=40))

    assert modest.points == 50 / 10 + 2
    assert flood.points == OWN_DAILY_CAP
    parts = trending_score(
        days=[flood], window=WINDOWS["day"], day=TODAY, upvotes=0, has_code=False
    )
    assert parts.own_capped and parts.score == pytest.approx(math.log1p(OWN_DAILY_CAP))


def test_without_a_registered_provider_own_signals_are_zero() -> None:
    from papers.trending import signals

    registered = signals.own_signals_provider()
    signals.own_signals_provider_set(None)
    try:
        assert own_signals(paper_ids=[1, 2, 3], since=TODAY, until=TODAY) == {}
    finally:
        signals.own_signals_provider_set(registered)
    assert registered is not None  # the reader's app registered its provider at start-up


def test_hand_made_signals_rank_differently_today_this_week_and_this_month() -> None:
    today, this_week, this_month = _paper(), _paper(), _paper()
    _signal(today, back=0, upvotes=5)
    _signal(this_week, back=3, upvotes=60)
    _signal(this_month, back=20, upvotes=500)

    assert _order("day") == [today]
    assert _order("week") == [this_week, today]
    assert _order("month") == [this_month, this_week, today]


def test_only_upvotes_gained_inside_the_window_count() -> None:
    steady, rising = _paper(), _paper()
    _signal(steady, back=3, upvotes=100)  # listed before, nothing new today
    _signal(steady, back=0, upvotes=100)
    _signal(rising, back=0, upvotes=12)

    (entry,) = trending_papers(window="day", day=TODAY)
    assert entry.paper == rising
    week = {e.paper: e.parts for e in trending_papers(window="week", day=TODAY)}
    assert (week[steady].hf_new, week[steady].upvotes) == (100, 100)
    assert week[rising].hf_new == 12


def test_a_paper_without_points_in_the_window_is_not_listed() -> None:
    listed_without_votes = _paper()
    _signal(listed_without_votes, back=0, upvotes=0, repo="https://github.com/example/x")

    assert trending_ranking(window="day", day=TODAY) == []
    assert paper_trending_parts(paper_id=listed_without_votes.pk, window="day", day=TODAY) is None


def test_withdrawn_papers_do_not_trend() -> None:
    paper = _paper()
    _signal(paper, back=0, upvotes=50)
    Paper.objects.filter(pk=paper.pk).update(withdrawn=True)

    assert trending_ranking(window="week", day=TODAY) == []


def test_the_reason_names_what_happened_and_never_a_multiplier() -> None:
    paper = _paper()
    _signal(paper, back=2, upvotes=18, repo="https://github.com/example/fresh")

    (entry,) = trending_papers(window="week", day=TODAY)

    assert entry.reason == (
        "18 upvotes on Hugging Face in the last 7 days; latest 2 days ago; code available"
    )
    assert entry.github_repo == "https://github.com/example/fresh"
    assert "×" not in entry.reason


def test_trending_lists_filter_by_category_and_by_topic() -> None:
    vision, language = _paper(category="cs.CV"), _paper()
    for paper in (vision, language):
        _signal(paper, back=0, upvotes=5)
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


def test_a_trending_page_takes_the_same_queries_for_3_or_30_papers() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_for(n: int) -> int:
        TrendingSignal.objects.all().delete()
        for i in range(n):
            _signal(_paper(), back=0, upvotes=i + 1, rank=i + 1)
        with CaptureQueriesContext(connection) as captured:
            entries = trending_papers(window="week", day=TODAY, with_history=True)
            [a.author.name for e in entries for a in e.paper.authorships.all()]
        assert len(entries) == n
        return len(captured)

    assert count_for(3) == count_for(30) <= 5  # signals, own signals, papers, authors, history


def test_pagination_continues_the_ranks() -> None:
    for votes in (50, 40, 30):
        _signal(_paper(), back=0, upvotes=votes)

    page = trending_papers(window="week", day=TODAY, limit=2, offset=2)

    assert [(e.rank, e.parts.upvotes) for e in page] == [(3, 30)]


def test_rank_history_keeps_one_rank_per_day_oldest_first() -> None:
    paper = _paper()
    _signal(paper, back=20, upvotes=1, rank=9)  # outside 14 days
    _signal(paper, back=1, upvotes=1, rank=4)
    _signal(paper, back=0, upvotes=1, rank=2)

    assert rank_history(paper_ids=[paper.pk], day=TODAY) == {
        paper.pk: [(TODAY - timedelta(days=1), 4), (TODAY, 2)]
    }


def test_the_signal_days_of_a_paper_say_what_each_day_adds_to_each_window() -> None:
    paper = _paper()
    _signal(paper, back=10, upvotes=20)
    _signal(paper, back=2, upvotes=50)

    recent, older = paper_signal_days(paper_id=paper.pk, day=TODAY)

    assert (recent.signals.hf_new, older.signals.hf_new) == (30, 20)
    assert recent.weights == {"week": pytest.approx(30 * math.exp(-2 / 3)),
                              "month": pytest.approx(30 * math.exp(-2 / 10))}  # fmt: skip
    assert older.weights == {"month": pytest.approx(20 * math.exp(-10 / 10))}


def test_the_formula_constants_come_from_the_code() -> None:
    formula = trending_formula()
    assert (formula["w_hf"], formula["own_daily_cap"]) == (1.0, OWN_DAILY_CAP)
    assert [w.key for w in formula["windows"]] == ["day", "week", "month"]


def test_the_query_string_is_read_leniently() -> None:
    assert TrendingQuery.from_params({"window": "month", "cat": " cs.CV ", "topic": "7"}) == (
        TrendingQuery(window="month", category="cs.CV", topic_id=7)
    )
    assert TrendingQuery.from_params({"window": "year", "topic": "x"}) == TrendingQuery()
