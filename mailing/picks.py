"""Which papers a subscriber's daily email holds, in which order, and why each one.

The pool of a day is read once per edition and frozen into it (``day_pool_build``); each
subscriber's picks are then chosen from it (``picks_choose``) by one documented rule,
until the email holds ``count`` papers (docs/trending.md, "The daily email"):

1. trending today in the subscriber's scope, in the site's order (the same ranking as the
   home page's "Today", /trending/?window=day and the day's RSS, filtered);
2. new on arXiv today in the scope: first the papers nearest a followed topic, then those
   whose primary category is followed, then the rest, newest submission first;
3. trending this week in the scope, in the week's order;
4. new on arXiv today in the categories most often cross-listed with the subscriber's
   (over the last 30 days), the most related category first;
5. trending today anywhere on the site, then new today anywhere, each saying it is
   outside the subscriber's choices.

A day with neither a trending signal nor a new paper sends nothing (no rerun of the week).
The scope is the subscriber's categories and followed topics (a paper is in it when it
is listed in one of the categories or belongs to a followed topic); an empty scope is
everything, and steps 3 and 4 then add nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection

from papers.models import Paper, Topic
from papers.topics.nearest import papers_nearest_followed_topic
from papers.topics.selectors import topic_lineage_paper_ids
from papers.trending import Ranked, trending_ranking

POOL_NEW_LIMIT = 2000  # a day's announcements across every harvested category fit in it


@dataclass(frozen=True)
class PoolPaper:
    paper_id: int
    categories: tuple[str, ...]
    primary: str
    why: str = ""  # the trending reason; empty for a new paper


@dataclass(frozen=True)
class DayPool:
    """What a day's emails choose from; JSON-able so an edition can freeze it."""

    day: date
    trending: tuple[PoolPaper, ...]  # today's trending ranking, best first
    week: tuple[PoolPaper, ...]  # this week's ranking, best first
    new: tuple[PoolPaper, ...]  # announced today, newest submission first

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            **{key: [asdict(p) for p in getattr(self, key)] for key in ("trending", "week", "new")},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DayPool:
        def papers(key: str) -> tuple[PoolPaper, ...]:
            return tuple(
                PoolPaper(
                    paper_id=p["paper_id"], categories=tuple(p["categories"]),
                    primary=p["primary"], why=p["why"],
                )
                for p in data.get(key, [])
            )  # fmt: skip

        return cls(
            day=date.fromisoformat(data["day"]),
            trending=papers("trending"),
            week=papers("week"),
            new=papers("new"),
        )


@dataclass(frozen=True)
class Pick:
    paper_id: int
    why: str  # one line: why the paper is in this subscriber's email
    step: str  # trending | new | week | related | site | site-new


def day_pool_build(*, day: date) -> DayPool:
    """The day's trending and weekly rankings and its new papers; four or five queries."""
    today = trending_ranking(window="day", day=day)
    week = trending_ranking(window="week", day=day)
    new = list(
        Paper.objects.filter(announced_on=day, withdrawn=False)
        .order_by("-submitted_at", "-arxiv_id")
        .values_list("pk", "categories", "primary_category")[:POOL_NEW_LIMIT]
    )
    ranked_ids = {r.paper_id for r in (*today, *week)}
    described = {
        pk: (tuple(cats), prim)
        for pk, cats, prim in Paper.objects.filter(pk__in=ranked_ids).values_list(
            "pk", "categories", "primary_category"
        )
    }
    return DayPool(
        day=day,
        trending=_pooled(today, described),
        week=_pooled(week, described),
        new=tuple(
            PoolPaper(paper_id=pk, categories=tuple(cats), primary=prim) for pk, cats, prim in new
        ),
    )


def _pooled(
    ranked: list[Ranked], described: dict[int, tuple[tuple[str, ...], str]]
) -> tuple[PoolPaper, ...]:
    return tuple(
        PoolPaper(
            paper_id=r.paper_id, categories=described.get(r.paper_id, ((), ""))[0],
            primary=described.get(r.paper_id, ((), ""))[1], why=r.parts.reason,
        )
        for r in ranked
    )  # fmt: skip


def picks_choose(
    *, pool: DayPool, categories: Iterable[str], topic_keys: Iterable[str], count: int
) -> list[Pick]:
    """The subscriber's ``count`` papers from the day's pool, by the rule above; none on a
    day with neither a trending signal nor a new paper (nothing new to tell)."""
    if not pool.trending and not pool.new:
        return []
    cats = frozenset(categories)
    topic_ids = sorted({int(key) for key in topic_keys if str(key).isdigit()})
    scoped = bool(cats or topic_ids)
    in_topics = _clustered_in_topics(pool, topic_ids)
    near = papers_nearest_followed_topic(
        topic_ids=topic_ids, paper_ids=[p.paper_id for p in pool.new if p.paper_id not in in_topics]
    )
    labels = _topic_labels(topic_ids)

    def in_scope(paper: PoolPaper) -> bool:
        return (
            not scoped
            or bool(cats.intersection(paper.categories))
            or (paper.paper_id in in_topics or paper.paper_id in near)
        )

    chosen: dict[int, Pick] = {}

    def take(papers: Sequence[PoolPaper], step: str, why: Any) -> None:
        for paper in papers:
            if len(chosen) >= count:
                return
            if paper.paper_id not in chosen:
                chosen[paper.paper_id] = Pick(paper_id=paper.paper_id, why=why(paper), step=step)

    today_rank = {p.paper_id: n for n, p in enumerate(pool.trending, start=1)}
    week_rank = {p.paper_id: n for n, p in enumerate(pool.week, start=1)}
    take([p for p in pool.trending if in_scope(p)], "trending",
         lambda p: f"#{today_rank[p.paper_id]} trending today: {p.why}")  # fmt: skip

    def fill_order(paper: PoolPaper) -> tuple[bool, float, bool]:
        in_topic = paper.paper_id in near or paper.paper_id in in_topics
        return (not in_topic, -near.get(paper.paper_id, 1.0), paper.primary not in cats)

    # sorted() is stable: within a group, the pool's order (newest submission first) holds.
    fresh = sorted((p for p in pool.new if in_scope(p)), key=fill_order)
    take(fresh, "new", lambda p: _new_why(p, cats, labels, near, in_topics))
    take([p for p in pool.week if in_scope(p)], "week",
         lambda p: f"#{week_rank[p.paper_id]} trending this week: {p.why}")  # fmt: skip
    if len(chosen) < count and cats:
        related = related_categories(categories=cats, day=pool.day)
        closest = {
            p.paper_id: min((c for c in p.categories if c in related), key=related.__getitem__)
            for p in pool.new
            if related.keys() & set(p.categories)
        }
        neighbours = sorted(
            (p for p in pool.new if p.paper_id in closest),
            key=lambda p: related[closest[p.paper_id]],
        )
        named = " and ".join(sorted(cats))
        take(
            neighbours,
            "related",
            lambda p: f"Related to {named}: new on arXiv today in {closest[p.paper_id]}",
        )
    if scoped:
        outside = "Outside your categories and topics"
        take(pool.trending, "site",
             lambda p: f"{outside}: #{today_rank[p.paper_id]} trending today: {p.why}")  # fmt: skip
        take(pool.new, "site-new", lambda p: f"{outside}: new on arXiv today in {p.primary}")
    return list(chosen.values())


RELATED_DAYS = 30
RELATED_LIMIT = 5


def related_categories(*, categories: frozenset[str], day: date) -> dict[str, int]:
    """The categories most often cross-listed with ``categories`` in the papers announced
    in the 30 days up to ``day``: {category: place, 0 first}; one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT other FROM papers_paper p, unnest(p.categories) AS other
             WHERE p.categories && %(cats)s::varchar[] AND NOT other = ANY(%(cats)s::varchar[])
               AND p.announced_on > %(since)s AND p.announced_on <= %(day)s
             GROUP BY other ORDER BY count(*) DESC, other LIMIT %(limit)s
            """,
            {"cats": sorted(categories), "day": day, "limit": RELATED_LIMIT,
             "since": day - timedelta(days=RELATED_DAYS)},
        )  # fmt: skip
        return {row[0]: place for place, row in enumerate(cursor.fetchall())}


def _clustered_in_topics(pool: DayPool, topic_ids: list[int]) -> set[int]:
    ids = {p.paper_id for group in (pool.trending, pool.week, pool.new) for p in group}
    return topic_lineage_paper_ids(topic_ids=topic_ids, paper_ids=sorted(ids))


def _topic_labels(topic_ids: list[int]) -> dict[int, str]:
    if not topic_ids:
        return {}
    return {t.pk: t.display_label for t in Topic.objects.filter(pk__in=topic_ids)}


def _new_why(
    paper: PoolPaper,
    cats: frozenset[str],
    labels: dict[int, str],
    near: dict[int, float],
    in_topics: set[int],
) -> str:
    if paper.paper_id in near or paper.paper_id in in_topics:
        named = " or ".join(f"“{label}”" for label in labels.values()) or "your topics"
        return f"New on arXiv today, close to {named}"
    followed = [c for c in paper.categories if c in cats]
    where = paper.primary if paper.primary in cats else (followed[0] if followed else paper.primary)
    return f"New on arXiv today in {where}" if cats else f"New on arXiv today in {paper.primary}"
