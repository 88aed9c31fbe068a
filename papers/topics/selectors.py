"""Reads of stored topics for the Pulse and topic pages: a fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from pgvector.django import CosineDistance

from papers.models import Paper, Topic, TopicPaper, TopicWeek
from papers.selectors import papers_with_authors

HISTORY_WEEKS = 8
TOP_PAPERS = 5


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    topic_number: int
    arxiv_id: str
    title: str


@dataclass
class TopicSummary:
    topic: Topic
    top_papers: list[MapPoint] = field(default_factory=list)
    history: list[tuple[date, int]] = field(default_factory=list)  # oldest first

    @property
    def change(self) -> int | None:
        """Papers gained since the week before; None for a topic new this week."""
        previous = self.topic.previous
        return None if previous is None else self.topic.size - previous.size


@dataclass
class Pulse:
    week: TopicWeek
    topics: list[TopicSummary]
    other: TopicSummary | None
    points: list[MapPoint]
    previous_week: date | None
    next_week: date | None

    @property
    def rising(self) -> list[TopicSummary]:
        grown = [s for s in self.topics if s.change is not None and s.change > 0]
        return sorted(grown, key=lambda s: -s.change)[:5]  # type: ignore[operator]

    @property
    def new(self) -> list[TopicSummary]:
        return [s for s in self.topics if s.change is None] if self.previous_week else []


@dataclass
class TopicPage:
    topic: Topic
    papers: list[Paper]
    history: list[tuple[date, int]]
    related: list[Topic]
    continuations: list[Topic]


def topic_week_get(*, week_start: date | None = None) -> TopicWeek | None:
    """The stored week starting ``week_start``, or the latest one."""
    weeks = TopicWeek.objects.all()
    return weeks.filter(week_start=week_start).first() if week_start else weeks.first()


def pulse_for_week(*, week_start: date | None = None) -> Pulse | None:
    """Everything the Pulse page shows for a week; six queries."""
    week = topic_week_get(week_start=week_start)
    if week is None:
        return None
    topics = list(week.topics.select_related("previous"))
    points, by_topic = _points(week)
    histories = topic_histories(topic_ids=[t.pk for t in topics if not t.is_outlier])
    summaries = {
        t.pk: TopicSummary(t, by_topic.get(t.pk, [])[:TOP_PAPERS], histories.get(t.pk, []))
        for t in topics
    }
    neighbours = TopicWeek.objects.values_list("week_start", flat=True)
    return Pulse(
        week=week,
        topics=[summaries[t.pk] for t in topics if not t.is_outlier],
        other=next((summaries[t.pk] for t in topics if t.is_outlier), None),
        points=points,
        previous_week=neighbours.filter(week_start__lt=week.week_start).first(),
        next_week=neighbours.filter(week_start__gt=week.week_start).order_by("week_start").first(),
    )


def _points(week: TopicWeek) -> tuple[list[MapPoint], dict[int, list[MapPoint]]]:
    rows = (
        TopicPaper.objects.filter(week=week)
        .order_by("topic_id", "-probability", "paper_id")
        .values_list("topic_id", "topic__number", "x", "y", "paper__arxiv_id", "paper__title_text")
    )
    points, by_topic = [], defaultdict(list)
    for topic_id, number, x, y, arxiv_id, title in rows:
        point = MapPoint(x, y, number, arxiv_id, title)
        points.append(point)
        by_topic[topic_id].append(point)
    return points, by_topic


def topic_histories(
    *, topic_ids: list[int], weeks: int = HISTORY_WEEKS
) -> dict[int, list[tuple[date, int]]]:
    """Each topic's size in its own week and the weeks it continues, oldest first; one query."""
    if not topic_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE chain(start_id, id, previous_id, week_id, size, depth) AS (
                SELECT id, id, previous_id, week_id, size, 1 FROM papers_topic
                WHERE id = ANY(%s)
              UNION ALL
                SELECT c.start_id, t.id, t.previous_id, t.week_id, t.size, c.depth + 1
                FROM chain c JOIN papers_topic t ON t.id = c.previous_id
                WHERE c.depth < %s
            )
            SELECT c.start_id, w.week_start, c.size
            FROM chain c JOIN papers_topicweek w ON w.id = c.week_id
            ORDER BY c.start_id, w.week_start
            """,
            [topic_ids, weeks],
        )
        history: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for start_id, week_start, size in cursor.fetchall():
            history[start_id].append((week_start, size))
    return dict(history)


def topic_page(*, topic: Topic, papers_limit: int = 100, related_limit: int = 5) -> TopicPage:
    """A topic's most typical papers, its history, and the nearest topics of its week."""
    in_topic = Paper.objects.filter(topic_memberships__topic=topic)
    papers = list(
        papers_with_authors(in_topic).order_by("-topic_memberships__probability", "pk")[
            :papers_limit
        ]
    )
    return TopicPage(
        topic=topic,
        papers=papers,
        history=topic_histories(topic_ids=[topic.pk]).get(topic.pk, []),
        related=list(_related(topic)[:related_limit]),
        continuations=list(topic.continuations.select_related("week")),
    )


def _related(topic: Topic) -> QuerySet[Topic]:
    if topic.centroid is None:
        return Topic.objects.none()
    return (
        Topic.objects.filter(week_id=topic.week_id, is_outlier=False)
        .exclude(pk=topic.pk)
        .order_by(CosineDistance("centroid", topic.centroid))
    )


def topic_get(*, topic_id: int) -> Topic | None:
    return Topic.objects.select_related("week", "previous__week").filter(pk=topic_id).first()


def topic_lineage_paper_ids(*, topic_ids: list[int], paper_ids: list[int]) -> set[int]:
    """Which of ``paper_ids`` belong to a followed topic, in the week it was followed or any
    other: the topic, the topics it continues and the topics that continue it; one query."""
    if not topic_ids or not paper_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE
            back(id) AS (
                SELECT unnest(%s::bigint[])
              UNION
                SELECT t.previous_id FROM papers_topic t JOIN back b ON t.id = b.id
                WHERE t.previous_id IS NOT NULL
            ),
            forth(id) AS (
                SELECT unnest(%s::bigint[])
              UNION
                SELECT t.id FROM papers_topic t JOIN forth f ON t.previous_id = f.id
            )
            SELECT DISTINCT tp.paper_id FROM papers_topicpaper tp
            WHERE tp.paper_id = ANY(%s)
              AND tp.topic_id IN (SELECT id FROM back UNION SELECT id FROM forth)
            """,
            [topic_ids, topic_ids, paper_ids],
        )
        return {row[0] for row in cursor.fetchall()}


TOPIC_CHOICES_CACHE_KEY = "papers:topic-choices:v1"
TOPIC_CHOICES_LIMIT = 30


def topic_choices(*, include: list[int] | None = None) -> list[tuple[str, str]]:
    """(id, label) of the latest week's largest topics, then ``include`` (topics already
    followed, from any week). The latest week's list is cached until topics are stored."""
    latest = cache.get(TOPIC_CHOICES_CACHE_KEY)
    if latest is None:
        topics = Topic.objects.filter(
            is_outlier=False, week=TopicWeek.objects.order_by("-week_start").values("pk")[:1]
        ).order_by("-size", "number")[:TOPIC_CHOICES_LIMIT]
        latest = [(str(topic.pk), topic.display_label) for topic in topics]
        cache.set(TOPIC_CHOICES_CACHE_KEY, latest, timeout=600)
    offered = {key for key, _ in latest}
    extra_ids = [pk for pk in include or [] if str(pk) not in offered]
    extra = (
        Topic.objects.filter(pk__in=extra_ids).select_related("week").order_by("-week__week_start")
    )
    older = [
        (str(t.pk), f"{t.display_label} (week of {t.week.week_start:%-d %b %Y})") for t in extra
    ]
    return [*latest, *older]


def weeks_without_topics() -> list[date]:
    """Mondays of the weeks that have announced papers but no stored topics, oldest first."""
    from papers.weeks import week_start_of

    days = Paper.objects.filter(announced_on__isnull=False).values_list("announced_on", flat=True)
    weeks = {week_start_of(day) for day in days.distinct()}
    done = set(TopicWeek.objects.values_list("week_start", flat=True))
    return sorted(weeks - done)


def latest_announced_week() -> date | None:
    """The Monday of the newest week with announced papers (what a hint should name)."""
    from papers.weeks import week_start_of

    newest = Paper.objects.filter(announced_on__isnull=False).order_by("-announced_on").first()
    return week_start_of(newest.announced_on) if newest and newest.announced_on else None
