"""The Pulse of AI pages, topic pages and trending pages, from stored results."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from papers.models import Paper, Topic, TopicWeek, TrendingSignal
from papers.services.topics import TopicPlan, WeekPlan, topics_store
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 6, 8)  # 2026-W24
DIRECTIONS = np.eye(384, dtype=np.float32)


def _plan(papers: list[Paper], sizes: list[int], *, directions: list[int]) -> WeekPlan:
    """Topics of the given sizes over ``papers`` in order; the rest go to Other."""
    topics, start = [], 0
    for number, (size, axis) in enumerate(zip(sizes, directions, strict=True)):
        rows = [
            (p.pk, 0.9, (i % 10) / 10, number / 5)
            for i, p in enumerate(papers[start : start + size])
        ]
        topics.append(
            TopicPlan(
                number=number, keywords=[f"subject{axis}", f"theme{axis}"], size=size,
                is_outlier=False, centroid=DIRECTIONS[axis], rows=rows,
            )
        )  # fmt: skip
        start += size
    rest = [(p.pk, 0.0, 0.9, 0.9) for p in papers[start:]]
    if rest:
        topics.append(TopicPlan(-1, [], len(rest), True, None, rest))
    return WeekPlan(paper_count=len(papers), topics=topics)


@pytest.fixture
def two_weeks() -> tuple[TopicWeek, TopicWeek]:
    """Week 23 (subjects 0, 1, 3) and week 24 (0, 1, 2): subject 0 rises from 20% to 47%
    of the week, subject 1 falls from 40% to 27%, subject 2 is new, subject 3 ended."""
    earlier = [PaperFactory(announced_on=WEEK - timedelta(days=3)) for _ in range(20)]
    later = [PaperFactory(announced_on=WEEK, title_text=f"Later paper {i}") for i in range(30)]
    first = topics_store(
        week_start=WEEK - timedelta(days=7), plan=_plan(earlier, [4, 8, 5], directions=[0, 1, 3])
    )
    second = topics_store(week_start=WEEK, plan=_plan(later, [14, 8, 5], directions=[0, 1, 2]))
    return first, second


def test_the_pulse_page_shows_topics_rising_falling_new_ended_and_a_map_of_links(
    client: Client, two_weeks: tuple[TopicWeek, TopicWeek], django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(8):
        response = client.get("/pulse/2026-W24/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pulse of AI: week of 8 June 2026" in html
    assert "subject0, theme0" in html and "subject2, theme2" in html
    assert "14 papers, 47% of the week; rising (from 20%)" in html
    assert "Falling: <a" in html and "27% of the week's papers, from 40%" in html
    assert "New this week: <a" in html and "subject2, theme2</a>, 5 papers" in html
    assert (
        "Ended: <a" in html and "subject3, theme3</a>, 5 papers in its last week, 2026-W23" in html
    )
    assert "Share of the week</text>" in html and ">W23</text>" in html  # the chart's axes
    assert html.count('<circle cx="') == 30  # every paper on the map, Other included
    assert html.count('href="/papers/') >= 30 and "<title>Later paper 0</title>" in html
    assert "Other</a>: 3 papers" in html
    assert 'href="/pulse/2026-W23/"' in html
    # No CDN: every script and stylesheet is served from /static/ (the CSRF token in the
    # page is random text, so a substring test for "cdn" would be flaky).
    assert re.findall(r'<script[^>]* src="(?!/static/)', html) == []
    assert re.findall(r'<link[^>]* href="(?!/static/)[^"]*"[^>]*stylesheet', html) == []


def test_the_pulse_overview_comes_from_labels_and_counts(
    two_weeks: tuple[TopicWeek, TopicWeek],
) -> None:
    later = two_weeks[1]

    assert later.overview.startswith("30 papers in 3 topics. Largest: subject0, theme0 (14)")
    assert "Rising: subject0, theme0" in later.overview
    assert "New this week: subject2, theme2" in later.overview


def test_the_current_pulse_is_the_latest_week(client: Client, two_weeks: object) -> None:
    response = client.get("/pulse/")

    assert response.status_code == 200 and "week of 8 June 2026" in response.content.decode()


def test_a_pulse_without_topics_explains_itself_and_an_unknown_week_is_404(client: Client) -> None:
    assert "No week has been clustered" in client.get("/pulse/").content.decode()
    assert client.get("/pulse/2026-W30/").status_code == 404
    assert client.get("/pulse/someday/").status_code == 404


def test_a_week_with_a_note_shows_it(client: Client) -> None:
    papers = [PaperFactory(announced_on=WEEK)]
    alone = TopicPlan(
        0, ["alone"], 1, False, DIRECTIONS[0], [(papers[0].pk, 1.0, 0.5, 0.5)], "All papers"
    )
    plan = WeekPlan(1, [alone], note="Only 1 paper this week: too few.")
    topics_store(week_start=WEEK, plan=plan)

    html = client.get("/pulse/2026-W24/").content.decode()

    assert "Only 1 paper this week: too few." in html and "All papers" in html


def test_a_topic_page_lists_its_papers_history_and_related_topics(
    client: Client, two_weeks: tuple[TopicWeek, TopicWeek], django_assert_max_num_queries: object
) -> None:
    topic = Topic.objects.get(week=two_weeks[1], number=0)

    with django_assert_max_num_queries(9):
        response = client.get(f"/topics/{topic.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<li><a href="/papers/') == 14
    assert "Papers per week in this topic" in html and ">Papers</text>" in html
    assert "2026-W23: 4 papers (20% of the week)" in html
    assert "2026-W24: 14 papers (47% of the week)" in html
    assert "Ended" not in html
    assert "Continues" in html and "Related topics" in html and "subject1, theme1" in html
    assert client.get("/topics/999999/").status_code == 404


def test_a_topic_that_nothing_continues_shows_when_it_ended(
    client: Client, two_weeks: tuple[TopicWeek, TopicWeek]
) -> None:
    ended = Topic.objects.get(week=two_weeks[0], keywords__contains=["subject3"])

    html = client.get(f"/topics/{ended.pk}/").content.decode()

    assert "Ended: its last week was 2026-W23" in html and "Ended after 2026-W23" in html
    assert ">ended</text>" in html


def test_a_week_still_under_way_is_marked_partial_and_compared_by_share(
    client: Client, two_weeks: tuple[TopicWeek, TopicWeek]
) -> None:
    later = two_weeks[1]  # its papers are all from Monday
    assert later.is_partial and not two_weeks[0].is_partial

    html = client.get("/pulse/2026-W24/").content.decode()

    assert "This week is not over: its papers run to Monday 8 June" in html
    assert "by their share of each week's papers" in html


def test_a_topic_that_split_off_names_the_topic_it_came_from(client: Client) -> None:
    earlier = [PaperFactory(announced_on=WEEK - timedelta(days=7)) for _ in range(10)]
    later = [PaperFactory(announced_on=WEEK) for _ in range(12)]
    topics_store(
        week_start=WEEK - timedelta(days=7), plan=_plan(earlier, [5, 5], directions=[0, 5])
    )
    plan = _plan(later, [4, 4, 4], directions=[0, 0, 5])
    plan.topics[1].centroid = (DIRECTIONS[0] + 0.3 * DIRECTIONS[7]) / np.sqrt(1.09)
    plan.topics[0].centroid = (DIRECTIONS[0] - 0.3 * DIRECTIONS[7]) / np.sqrt(1.09)
    week = topics_store(week_start=WEEK, plan=plan)

    states = dict(week.topics.values_list("number", "state"))
    html = client.get("/pulse/2026-W24/").content.decode()

    assert states == {0: "split", 1: "split", 2: "continuing"}
    assert html.count("Split off: <a") == 2 and "from <a" in html


def test_the_trending_page_shows_each_score_with_its_parts(
    client: Client, django_assert_max_num_queries: object
) -> None:
    today = timezone.localdate()
    for i, votes in enumerate((30, 10)):
        paper = PaperFactory(announced_on=today, title_text=f"Trending {i}")
        TrendingSignal.objects.create(
            source="hf", day=today, paper=paper, rank=i + 1, upvotes=votes
        )

    with django_assert_max_num_queries(6):
        response = client.get("/trending/?window=day")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Trending 0") < html.index("Trending 1")
    assert "30 upvotes on Hugging Face today" in html and "= ln(1 + 30.00)" in html
    assert "0 upvotes, 0 bookmarks, 0 counted views, worth 0.00 after fading" in html
    assert "×" not in html  # no bare multiplier is ever given as a reason
    assert 'aria-current="page">Today' in html


def test_htmx_gets_only_the_trending_list(client: Client) -> None:
    response = client.get("/trending/?window=month", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="entries">')
    assert "<html" not in html and "HX-Request" in response["Vary"]


def test_the_about_page_states_the_formula_with_the_codes_constants(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papers.trending import formula

    html = client.get("/about/trending/").content.decode()
    assert (
        f"points(d) = {formula.W_HF} × new Hugging Face upvotes on day d + {formula.W_OWN} × "
        f"min(own(d), {formula.OWN_DAILY_CAP:.0f})" in html
    )
    assert f"score     = ln(1 + heat) + {formula.W_CODE} × has_code" in html
    week = formula.WINDOWS["week"]
    assert f"This week: signals of the last 7 days, τ = {week.tau_days:.0f} days" in html

    monkeypatch.setattr(formula, "W_CODE", 0.75)  # the page follows the code
    assert "ln(1 + heat) + 0.75 × has_code" in client.get("/about/trending/").content.decode()
