"""The daily email's papers: the day's ranking in the subscriber's scope, filled by a rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings

from mailing.coverage import digest_coverage, profiles_every_category
from mailing.picks import DayPool, day_pool_build, picks_choose
from papers.models import Paper, PaperEmbedding, TrendingSignal
from papers.services.topics import TopicPlan, WeekPlan, topics_store
from papers.trending import trending_ranking
from papers.weeks import week_start_of
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)


def _paper(*, category: str, announced: date = DAY - timedelta(days=5), hour: int = 12) -> Paper:
    return PaperFactory(
        announced_on=announced, primary_category=category, categories=[category, "cs.AI"],
        submitted_at=datetime.combine(announced - timedelta(days=1), datetime.min.time(), UTC)
        + timedelta(hours=hour),
    )  # fmt: skip


def _trend(paper: Paper, *, upvotes: int, back: int = 0) -> None:
    TrendingSignal.objects.create(
        source="hf", day=DAY - timedelta(days=back), paper=paper, rank=1, upvotes=upvotes
    )


def test_the_email_keeps_the_days_order_then_fills_from_the_days_new_papers() -> None:
    hot_cl, hot_cv, warm_cl = (
        _paper(category="cs.CL"),
        _paper(category="cs.CV"),
        _paper(category="cs.CL"),
    )
    _trend(hot_cl, upvotes=90)
    _trend(hot_cv, upvotes=50)
    _trend(warm_cl, upvotes=10)
    new_late, new_early = (
        _paper(category="cs.CL", announced=DAY, hour=15),
        _paper(category="cs.CL", announced=DAY, hour=9),
    )
    cross = PaperFactory(announced_on=DAY, primary_category="cs.LG", categories=["cs.LG", "cs.CL"])
    _paper(category="cs.CV", announced=DAY)  # new, but not in the subscriber's category

    picks = picks_choose(pool=day_pool_build(day=DAY), categories=["cs.CL"], topic_keys=[], count=5)

    site_day = [r.paper_id for r in trending_ranking(window="day", day=DAY)]
    assert site_day == [hot_cl.pk, hot_cv.pk, warm_cl.pk]
    assert [p.paper_id for p in picks] == [hot_cl.pk, warm_cl.pk, new_late.pk, new_early.pk,
                                           cross.pk]  # fmt: skip
    assert [p.why for p in picks[:3]] == [
        "#1 trending today: 90 upvotes on Hugging Face today",
        "#3 trending today: 10 upvotes on Hugging Face today",
        "New on arXiv today in cs.CL",
    ]
    assert picks[4].why == "New on arXiv today in cs.CL"  # listed in cs.CL, primary cs.LG


def test_a_thin_category_is_filled_to_the_fixed_count_and_says_from_where() -> None:
    rare = PaperFactory(announced_on=DAY, primary_category="stat.ML", categories=["stat.ML"])
    week_hit = _paper(category="stat.ML")  # listed in stat.ML and cs.AI
    _trend(week_hit, upvotes=30, back=3)
    elsewhere = [_paper(category="cs.CV") for _ in range(3)]
    for votes, paper in zip((40, 20, 5), elsewhere, strict=True):
        _trend(paper, upvotes=votes)
    in_related = [_paper(category="cs.CV", announced=DAY) for _ in range(5)]  # also cs.AI
    PaperFactory(announced_on=DAY, primary_category="math.PR", categories=["math.PR"])

    picks = picks_choose(
        pool=day_pool_build(day=DAY), categories=["stat.ML"], topic_keys=[], count=10
    )

    assert [p.step for p in picks] == ["new", "week", *["related"] * 5, *["site"] * 3]
    assert [p.paper_id for p in picks[:2]] == [rare.pk, week_hit.pk]
    assert {p.paper_id for p in picks[2:7]} == {p.pk for p in in_related}
    assert [p.paper_id for p in picks[7:]] == [p.pk for p in elsewhere]
    assert picks[1].why == (  # its rank on the site's weekly list
        "#3 trending this week: 30 upvotes on Hugging Face in the last 7 days; latest 3 days ago"
    )
    assert picks[2].why == "Related to stat.ML: new on arXiv today in cs.AI"
    assert picks[7].why == (
        "Outside your categories and topics: #1 trending today: 40 upvotes on Hugging Face today"
    )


def test_a_topic_follower_gets_the_topics_papers_first() -> None:
    in_topic, outside = _paper(category="cs.CV"), _paper(category="cs.CV")
    _trend(outside, upvotes=80)
    _trend(in_topic, upvotes=20)
    plan = TopicPlan(
        number=0, keywords=["diffusion"], size=1, is_outlier=False, centroid=None,
        rows=[(in_topic.pk, 1.0, 0.5, 0.5)], human_label="Diffusion models",
    )  # fmt: skip
    topic = topics_store(week_start=week_start_of(DAY), plan=WeekPlan(1, [plan])).topics.get()

    picks = picks_choose(
        pool=day_pool_build(day=DAY), categories=[], topic_keys=[str(topic.pk)], count=2
    )

    assert [(p.paper_id, p.step) for p in picks] == [(in_topic.pk, "trending"),
                                                     (outside.pk, "site")]  # fmt: skip


def _unit(index: int, *, nudge: int | None = None) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[index] = 1.0
    if nudge is not None:
        vector[nudge] = 0.3
    return vector / np.linalg.norm(vector)


def test_a_new_paper_not_clustered_yet_joins_the_followed_topic_it_lies_nearest(
    settings: Settings,
) -> None:
    clustered = _paper(category="cs.CV")
    near_followed = _paper(category="cs.CV", announced=DAY, hour=9)
    near_other = _paper(category="cs.CV", announced=DAY, hour=15)
    for paper, vector in ((near_followed, _unit(0, nudge=1)), (near_other, _unit(2, nudge=1))):
        PaperEmbedding.objects.create(
            paper=paper, model_name=settings.EMBEDDING_MODEL, vector=vector, text_hash="x"
        )
    plans = [
        TopicPlan(number=n, keywords=[label], size=1, is_outlier=False, centroid=_unit(axis),
                  rows=rows, human_label=label)
        for n, (label, axis, rows) in enumerate([
            ("Diffusion models", 0, [(clustered.pk, 1.0, 0.5, 0.5)]),
            ("Robot grasping", 2, []),
        ])
    ]  # fmt: skip
    week = topics_store(week_start=week_start_of(DAY), plan=WeekPlan(1, plans))
    followed = week.topics.get(human_label="Diffusion models")

    picks = picks_choose(
        pool=day_pool_build(day=DAY), categories=[], topic_keys=[str(followed.pk)], count=2
    )

    assert [(p.paper_id, p.step) for p in picks] == [(near_followed.pk, "new"),
                                                     (near_other.pk, "site-new")]  # fmt: skip
    assert picks[0].why == "New on arXiv today, close to “Diffusion models”"


def test_a_frozen_pool_reads_back_the_same() -> None:
    paper = _paper(category="cs.CL")
    _trend(paper, upvotes=3)
    pool = day_pool_build(day=DAY)

    assert DayPool.from_json(pool.as_json()) == pool


def test_on_the_sample_every_category_and_topic_follower_gets_a_full_email() -> None:
    call_command("load_sample", verbosity=0)
    today = timezone.now().date()
    # Topics as the nightly job would store them for the latest week: here, simply the
    # sample's three largest primary categories of the week as three topics.
    week_papers = Paper.objects.filter(announced_on__gte=week_start_of(today))
    plans = [
        TopicPlan(number=n, keywords=[code], size=1, is_outlier=False, centroid=None,
                  rows=[(pk, 1.0, 0.5, 0.5) for pk in
                        week_papers.filter(primary_category=code).values_list("pk", flat=True)])
        for n, code in enumerate(("cs.CV", "cs.CL", "cs.AI"))
    ]  # fmt: skip
    topics_store(week_start=week_start_of(today), plan=WeekPlan(len(plans), plans))

    profiles = profiles_every_category()
    coverage = digest_coverage(pool=day_pool_build(day=today), profiles=profiles, count=10)

    categories = [p for p in profiles if p.categories]
    assert len(categories) == 96 and {"cs.CV", "stat.ML", "math.OC"} <= {
        p.categories[0] for p in categories
    }
    assert sum(1 for p in profiles if p.topic_keys) == 3
    assert coverage.short() == [] and coverage.sizes == {10: len(profiles)}
    assert coverage.steps["trending"] > 0 and coverage.steps["new"] > 0
