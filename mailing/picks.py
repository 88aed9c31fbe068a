"""Which papers a subscriber's daily email holds, in which order, and why each one.

The pool of a day is read once per edition and frozen into it (``day_pool_build``); each
subscriber's picks are then chosen from it (``picks_choose``) by one documented rule,
until the email holds ``count`` papers (docs/trending.md, "The daily email"):

0. papers of the day (trending or new) by an author the subscriber follows, marked so
   ("By Ada Lovelace, whom you follow"), wherever they are listed;
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

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection

from papers.authors import papers_by_people
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
    step: str  # author | trending | new | week | related | site | site-new


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


@dataclass
class _Scope:
    """A subscriber's categories and followed topics, resolved against the day's pool."""

    categories: frozenset[str]
    topic_ids: list[int]
    clustered: set[int]  # pool papers clustered into a followed topic
    near: dict[int, float]  # new papers not clustered yet, nearest a followed topic
    labels: dict[int, str]  # the followed topics' labels

    @classmethod
    def of(cls, *, pool: DayPool, categories: Iterable[str], topic_keys: Iterable[str]) -> _Scope:
        """Two queries for a topic follower (clustered papers, nearest new ones), else none."""
        topic_ids = sorted({int(key) for key in topic_keys if str(key).isdigit()})
        clustered = _clustered_in_topics(pool, topic_ids)
        unclustered = [p.paper_id for p in pool.new if p.paper_id not in clustered]
        return cls(
            categories=frozenset(categories), topic_ids=topic_ids, clustered=clustered,
            near=papers_nearest_followed_topic(topic_ids=topic_ids, paper_ids=unclustered),
            labels=_topic_labels(topic_ids),
        )  # fmt: skip

    @property
    def everything(self) -> bool:
        return not (self.categories or self.topic_ids)

    def in_topic(self, paper: PoolPaper) -> bool:
        return paper.paper_id in self.clustered or paper.paper_id in self.near

    def holds(self, paper: PoolPaper) -> bool:
        return (
            self.everything
            or bool(self.categories & set(paper.categories))
            or (self.in_topic(paper))
        )

    def fill_order(self, paper: PoolPaper) -> tuple[bool, float, bool]:
        """Step 2's order: nearest a followed topic first, then primary category followed."""
        similarity = self.near.get(paper.paper_id, 1.0)
        return (not self.in_topic(paper), -similarity, paper.primary not in self.categories)

    def new_why(self, paper: PoolPaper) -> str:
        if self.in_topic(paper):
            named = " or ".join(f"“{label}”" for label in self.labels.values()) or "your topics"
            return f"New on arXiv today, close to {named}"
        followed = [c for c in paper.categories if c in self.categories]
        where = paper.primary if paper.primary in self.categories or not followed else followed[0]
        return f"New on arXiv today in {where}"


@dataclass
class _Email:
    """The picks so far: each paper once, never more than ``count``."""

    count: int
    chosen: dict[int, Pick] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return len(self.chosen) >= self.count

    def take(self, papers: Iterable[PoolPaper], step: str, why: Callable[[PoolPaper], str]) -> None:
        for paper in papers:
            if self.full:
                return
            if paper.paper_id not in self.chosen:
                self.chosen[paper.paper_id] = Pick(paper.paper_id, why=why(paper), step=step)


def picks_choose(
    *,
    pool: DayPool,
    categories: Iterable[str],
    topic_keys: Iterable[str],
    count: int,
    author_keys: Iterable[str] = (),
) -> list[Pick]:
    """The subscriber's ``count`` papers from the day's pool, by the rule above; none on a
    day with neither a trending signal nor a new paper (nothing new to tell)."""
    if not pool.trending and not pool.new:
        return []
    scope = _Scope.of(pool=pool, categories=categories, topic_keys=topic_keys)
    email = _Email(count=count)
    _take_followed_authors(email, pool=pool, author_keys=sorted(author_keys))
    today = {p.paper_id: n for n, p in enumerate(pool.trending, start=1)}
    week = {p.paper_id: n for n, p in enumerate(pool.week, start=1)}
    email.take(filter(scope.holds, pool.trending), "trending",
               lambda p: f"#{today[p.paper_id]} trending today: {p.why}")  # fmt: skip
    # sorted() is stable: within a group, the pool's order (newest submission first) holds.
    email.take(sorted(filter(scope.holds, pool.new), key=scope.fill_order), "new", scope.new_why)
    email.take(filter(scope.holds, pool.week), "week",
               lambda p: f"#{week[p.paper_id]} trending this week: {p.why}")  # fmt: skip
    if not email.full and scope.categories:
        _take_neighbours(email, pool=pool, categories=scope.categories)
    if not scope.everything:
        out = "Outside your categories and topics"
        email.take(pool.trending, "site",
                   lambda p: f"{out}: #{today[p.paper_id]} trending today: {p.why}")  # fmt: skip
        email.take(pool.new, "site-new", lambda p: f"{out}: new on arXiv today in {p.primary}")
    return list(email.chosen.values())


def _take_followed_authors(email: _Email, *, pool: DayPool, author_keys: list[str]) -> None:
    """Step 0: the day's papers by followed authors; one query, none without such follows."""
    if not author_keys:
        return
    papers = [*pool.trending, *pool.new]
    by = papers_by_people(keys=author_keys, paper_ids=[p.paper_id for p in papers])

    def why(paper: PoolPaper) -> str:
        return f"By {', '.join(by[paper.paper_id])}, whom you follow"

    email.take((p for p in papers if p.paper_id in by), "author", why)


def _take_neighbours(email: _Email, *, pool: DayPool, categories: frozenset[str]) -> None:
    """Step 4: new today in the categories most cross-listed with the subscriber's."""
    related = related_categories(categories=categories, day=pool.day)
    closest = {
        p.paper_id: min((c for c in p.categories if c in related), key=related.__getitem__)
        for p in pool.new
        if related.keys() & set(p.categories)
    }
    neighbours = sorted(
        (p for p in pool.new if p.paper_id in closest), key=lambda p: related[closest[p.paper_id]]
    )
    named = " and ".join(sorted(categories))

    def why(paper: PoolPaper) -> str:
        return f"Related to {named}: new on arXiv today in {closest[paper.paper_id]}"

    email.take(neighbours, "related", why)


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
