"""Reads of stored topics for the Pulse and topic pages: a fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from pgvector.django import CosineDistance

from papers.models import Paper, Topic, TopicPaper, TopicWeek
from papers.selectors import papers_with_authors
from papers.topics.linking import TopicState

HISTORY_WEEKS = 8
TOP_PAPERS = 5
# A topic rises or falls when its share of the week changes by at least a quarter.
RISING_AT = 0.25
FALLING_AT = 0.2


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    topic_number: int
    arxiv_id: str
    title: str


class HistoryPoint(NamedTuple):
    """A topic's size in one week of its lineage, and that week's number of papers."""

    week_start: date
    size: int
    paper_count: int

    @property
    def share(self) -> float:
        return self.size / self.paper_count if self.paper_count else 0.0


@dataclass
class TopicSummary:
    topic: Topic
    top_papers: list[MapPoint] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)  # oldest first

    @property
    def share(self) -> float:
        """The topic's share of its week's papers."""
        return self.topic.size / self.topic.week.paper_count if self.topic.week.paper_count else 0.0

    @property
    def previous_share(self) -> float | None:
        previous = self.topic.previous
        if previous is None or not previous.week.paper_count:
            return None
        return previous.size / previous.week.paper_count

    @property
    def change(self) -> float | None:
        """Relative change of its share of the week; None for a topic that continues none."""
        return share_change(self.topic)

    @property
    def trend(self) -> str:
        """ "rising" or "falling" (share up or down by a quarter or more), else "steady"."""
        change = self.change
        if change is None:
            return ""
        return "rising" if change >= RISING_AT else "falling" if change <= -FALLING_AT else "steady"


@dataclass
class Pulse:
    week: TopicWeek
    topics: list[TopicSummary]
    other: TopicSummary | None
    points: list[MapPoint]
    previous_week: date | None
    next_week: date | None
    ended: list[Topic] = field(default_factory=list)

    @property
    def rising(self) -> list[TopicSummary]:
        grown = [s for s in self.topics if s.trend == "rising"]
        return sorted(grown, key=lambda s: -(s.change or 0.0))[:5]

    @property
    def falling(self) -> list[TopicSummary]:
        shrunk = [s for s in self.topics if s.trend == "falling"]
        return sorted(shrunk, key=lambda s: s.change or 0.0)[:5]

    @property
    def new(self) -> list[TopicSummary]:
        if not self.previous_week:
            return []
        return [s for s in self.topics if s.topic.state == TopicState.NEW]

    @property
    def split_or_merged(self) -> list[TopicSummary]:
        kinds = (TopicState.SPLIT, TopicState.MERGED)
        return [s for s in self.topics if s.topic.state in kinds]


@dataclass
class TopicPage:
    topic: Topic
    papers: list[Paper]
    history: list[HistoryPoint]
    related: list[Topic]
    continuations: list[Topic]
    ended_after: date | None = None  # the lineage's last week, when a later week exists


def share_change(topic: Topic) -> float | None:
    """Relative change of the topic's share of its week's papers against the topic it
    continues (0.5: half again as large a share); None for a topic that continues none.

    Shares, not counts: a partial week or a quiet one would make every topic "fall"."""
    previous = topic.previous
    if previous is None or not previous.size or not topic.week.paper_count:
        return None
    now = topic.size / topic.week.paper_count
    before = previous.size / max(previous.week.paper_count, 1)
    return now / before - 1.0


def topic_week_get(*, week_start: date | None = None) -> TopicWeek | None:
    """The stored week starting ``week_start``, or the latest one."""
    weeks = TopicWeek.objects.all()
    return weeks.filter(week_start=week_start).first() if week_start else weeks.first()


def pulse_for_week(*, week_start: date | None = None) -> Pulse | None:
    """Everything the Pulse page shows for a week; seven queries."""
    week = topic_week_get(week_start=week_start)
    if week is None:
        return None
    topics = list(week.topics.select_related("week", "previous__week", "origin"))
    points, by_topic = _points(week)
    histories = topic_histories(topic_ids=[t.pk for t in topics if not t.is_outlier])
    summaries = {
        t.pk: TopicSummary(t, by_topic.get(t.pk, [])[:TOP_PAPERS], histories.get(t.pk, []))
        for t in topics
    }
    neighbours = TopicWeek.objects.values_list("week_start", flat=True)
    previous_week = neighbours.filter(week_start__lt=week.week_start).first()
    return Pulse(
        week=week,
        topics=[summaries[t.pk] for t in topics if not t.is_outlier],
        other=next((summaries[t.pk] for t in topics if t.is_outlier), None),
        points=points,
        previous_week=previous_week,
        next_week=neighbours.filter(week_start__gt=week.week_start).order_by("week_start").first(),
        ended=_ended(topics, previous_week=previous_week),
    )


def _ended(topics: list[Topic], *, previous_week: date | None) -> list[Topic]:
    """Topics of the week before that no topic of this week continues or took in."""
    if previous_week is None:
        return []
    carried = {t.previous_id for t in topics} | {t.origin_id for t in topics}
    earlier = Topic.objects.filter(week__week_start=previous_week, is_outlier=False)
    return [t for t in earlier.order_by("-size", "number") if t.pk not in carried]


def _points(week: TopicWeek) -> tuple[list[MapPoint], dict[int, list[MapPoint]]]:
    """Every paper's map point; per topic, nearest its centre first (ties: most upvoted)."""
    upvotes = Coalesce(Max("paper__trending_signals__upvotes"), 0)
    rows = (
        TopicPaper.objects.filter(week=week)
        .annotate(hf_upvotes=upvotes)
        .order_by("topic_id", "-probability", "-hf_upvotes", "paper_id")
        .values_list("topic_id", "topic__number", "x", "y", "paper__arxiv_id", "paper__title_text")
    )
    points: list[MapPoint] = []
    by_topic: dict[int, list[MapPoint]] = defaultdict(list)
    for topic_id, number, x, y, arxiv_id, title in rows:
        point = MapPoint(x, y, number, arxiv_id, title)
        points.append(point)
        by_topic[topic_id].append(point)
    return points, by_topic


_LINEAGE_SQL = """
WITH RECURSIVE
back(start_id, id, previous_id, depth) AS (
    SELECT id, id, previous_id, 1 FROM papers_topic WHERE id = ANY(%(ids)s)
  UNION ALL
    SELECT b.start_id, t.id, t.previous_id, b.depth + 1
    FROM back b JOIN papers_topic t ON t.id = b.previous_id WHERE b.depth < %(weeks)s
),
forth(start_id, id, depth) AS (
    SELECT id, id, 1 FROM papers_topic WHERE id = ANY(%(ids)s) AND %(forward)s
  UNION ALL
    SELECT f.start_id, t.id, f.depth + 1
    FROM forth f JOIN papers_topic t ON t.previous_id = f.id WHERE f.depth < %(weeks)s
),
chain AS (SELECT start_id, id FROM back UNION SELECT start_id, id FROM forth)
SELECT c.start_id, w.week_start, t.size, w.paper_count
FROM chain c JOIN papers_topic t ON t.id = c.id JOIN papers_topicweek w ON w.id = t.week_id
ORDER BY c.start_id, w.week_start
"""


def topic_histories(
    *, topic_ids: list[int], weeks: int = HISTORY_WEEKS, forward: bool = False
) -> dict[int, list[HistoryPoint]]:
    """Each topic's size in its own week and the weeks it continues (and, ``forward``, the
    weeks that continue it), oldest first; one query."""
    if not topic_ids:
        return {}
    params: dict[str, list[int] | int | bool] = {
        "ids": topic_ids,
        "weeks": weeks,
        "forward": forward,
    }
    with connection.cursor() as cursor:
        cursor.execute(_LINEAGE_SQL, params)
        history: dict[int, list[HistoryPoint]] = defaultdict(list)
        for start_id, week_start, size, paper_count in cursor.fetchall():
            history[start_id].append(HistoryPoint(week_start, size, paper_count))
    return dict(history)


def topic_page(*, topic: Topic, papers_limit: int = 100, related_limit: int = 5) -> TopicPage:
    """A topic's papers nearest its centre first, its whole history (back and forward, and
    the week it ended), and the nearest topics of its week."""
    in_topic = Paper.objects.filter(topic_memberships__topic=topic)
    upvotes = Coalesce(Max("trending_signals__upvotes"), 0)
    papers: list[Paper] = list(
        papers_with_authors(in_topic)
        .annotate(hf_upvotes=upvotes)
        .order_by("-topic_memberships__probability", "-hf_upvotes", "pk")[:papers_limit]
    )
    history = topic_histories(topic_ids=[topic.pk], forward=True).get(topic.pk, [])
    return TopicPage(
        topic=topic,
        papers=papers,
        history=history,
        related=list(_related(topic)[:related_limit]),
        continuations=list(topic.continuations.select_related("week")),
        ended_after=_ended_after(topic, history),
    )


def _ended_after(topic: Topic, history: list[HistoryPoint]) -> date | None:
    """The last week of the topic's lineage if a later week was computed without it."""
    if topic.is_outlier or not history:
        return None
    last = history[-1].week_start
    return last if TopicWeek.objects.filter(week_start__gt=last).exists() else None


def _related(topic: Topic) -> QuerySet[Topic]:
    if topic.centroid is None:
        return Topic.objects.none()
    return (
        Topic.objects.filter(week_id=topic.week_id, is_outlier=False)
        .exclude(pk=topic.pk)
        .order_by(CosineDistance("centroid", topic.centroid))
    )


def topic_get(*, topic_id: int) -> Topic | None:
    return (
        Topic.objects.select_related("week", "previous__week", "origin").filter(pk=topic_id).first()
    )


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
    weeks = {week_start_of(day) for day in days.distinct() if day is not None}
    done = set(TopicWeek.objects.values_list("week_start", flat=True))
    return sorted(weeks - done)


def latest_announced_week() -> date | None:
    """The Monday of the newest week with announced papers (what a hint should name)."""
    from papers.weeks import week_start_of

    newest = Paper.objects.filter(announced_on__isnull=False).order_by("-announced_on").first()
    return week_start_of(newest.announced_on) if newest and newest.announced_on else None
