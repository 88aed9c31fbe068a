"""Papers as the reader's pages show them: authors, trending signals, a topic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from papers.models import Authorship, Paper, Topic, TopicPaper, TopicWeek, TrendingSignal
from tests.papers.factories import AuthorFactory, PaperFactory

MakePapers = Callable[..., list[Paper]]


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def topic(today: date) -> Topic:
    week = TopicWeek.objects.create(week_start=today, paper_count=0)
    return Topic.objects.create(week=week, number=0, label="sparse, attention", size=0)


@pytest.fixture
def make_papers(today: date, topic: Topic) -> MakePapers:
    """``count`` papers in cs.CL, each with two authors, a trending signal today, a topic."""

    def make(count: int, *, prefix: str = "", signals: bool = True) -> list[Paper]:
        papers = []
        for index in range(count):
            paper = PaperFactory(
                title=f"{prefix}Paper {index} on $\\alpha$-attention",
                announced_on=today,
                abstract_text=f"We study attention number {index}. A second sentence follows.",
            )
            for position in range(2):
                author = AuthorFactory(name=f"{prefix}Writer {index}-{position}")
                Authorship.objects.create(paper=paper, author=author, position=position)
            if signals:
                TrendingSignal.objects.create(
                    source="hf", day=today, paper=paper, rank=index + 1, upvotes=100 - index,
                    github_repo=f"https://github.com/lab/repo{index}" if index % 2 == 0 else "",
                    ai_summary="A model that attends sparsely." if index == 0 else "",
                )  # fmt: skip
            TopicPaper.objects.create(week=topic.week, topic=topic, paper=paper, x=0.5, y=0.5)
            papers.append(paper)
        return papers

    return make
