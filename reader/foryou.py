"""The "For you" list: the newest announcement day's (or week's) papers ranked for a reader.

The ranking (``reader.recommend``, chosen in benchmarks/recommend.py, docs/foryou.md): the
reader's profile is the vectors of the papers they bookmarked, upvoted or asked "more
like this" of, less those they marked "not for me"; a candidate scores the inner product
of its unit vector with that profile direction, computed by PostgreSQL over the window's
papers (pgvector's ``<#>``, an exact scan of a day's or a week's papers). Papers by
followed authors come first. A reader with no history starts from the topics and
categories they follow. Each paper carries one line saying why it is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Max

from papers.authors import papers_by_people
from papers.models import Paper, PaperEmbedding, Topic
from papers.selectors import papers_with_authors
from reader.cards import Card, cards_for, marks_apply
from reader.models import Bookmark, Feedback, Follow, Upvote
from reader.recommend import NEGATIVE_WEIGHT, centroid, unit
from search.vectors import vector_literal

WINDOW_DAYS = {"day": 1, "week": 7}
DIMS: int = settings.EMBEDDING_DIMENSIONS
FEED_LENGTH = 30
PROFILE_LIMIT = 500  # the most recent signals of each kind; older taste fades out


@dataclass
class Profile:
    """What the ranking knows of a reader."""

    positives: dict[int, str]  # paper id → how the reader marked it ("bookmarked", …)
    negatives: set[int]
    authors: list[str]  # followed people (papers.authors keys)
    categories: list[str]
    topic_ids: list[int]

    @property
    def empty(self) -> bool:
        return not (self.positives or self.authors or self.categories or self.topic_ids)


@dataclass
class Feed:
    window: str
    day: date | None  # the newest announcement day up to the day asked; None: no papers
    items: list[Card] = field(default_factory=list)
    cold: bool = False  # ranked from follows alone (no bookmark, upvote or "more like this")
    empty_profile: bool = False

    @property
    def since(self) -> date | None:
        return self.day - timedelta(days=WINDOW_DAYS[self.window] - 1) if self.day else None


def profile_of(*, user: User) -> Profile:
    """The reader's signals; five queries."""
    positives: dict[int, str] = {}
    for model, how in ((Upvote, "upvoted"), (Bookmark, "bookmarked")):
        ids = model.objects.filter(user=user).order_by("-created")
        positives.update(dict.fromkeys(ids.values_list("paper_id", flat=True)[:PROFILE_LIMIT], how))
    feedback = Feedback.objects.filter(user=user).order_by("-created")[:PROFILE_LIMIT]
    negatives = set()
    for paper_id, kind in feedback.values_list("paper_id", "kind"):
        if kind == Feedback.Kind.MORE:
            positives.setdefault(paper_id, "asked for more like")
        else:
            negatives.add(paper_id)
            positives.pop(paper_id, None)
    follows = list(Follow.objects.filter(user=user).values_list("kind", "key"))
    return Profile(
        positives=positives,
        negatives=negatives,
        authors=[key for kind, key in follows if kind == Follow.Kind.AUTHOR],
        categories=[key for kind, key in follows if kind == Follow.Kind.CATEGORY],
        topic_ids=[
            int(key) for kind, key in follows if kind == Follow.Kind.TOPIC and key.isdigit()
        ],
    )


def _vectors(paper_ids: list[int]) -> tuple[list[int], np.ndarray]:
    rows = PaperEmbedding.objects.filter(
        paper_id__in=paper_ids, model_name=settings.EMBEDDING_MODEL
    ).values_list("paper_id", "vector")
    ids = [paper_id for paper_id, _ in rows]
    vectors = np.array([vector for _, vector in rows], dtype=np.float32).reshape(len(ids), DIMS)
    return ids, vectors


def _topic_direction(topic_ids: list[int]) -> np.ndarray | None:
    centroids = Topic.objects.filter(pk__in=topic_ids, centroid__isnull=False)
    vectors = [
        np.asarray(c, dtype=np.float32) for c in centroids.values_list("centroid", flat=True)
    ]
    return centroid(unit(np.array(vectors))) if vectors else None


def _ranked_ids(
    *, direction: np.ndarray | None, since: date, day: date, profile: Profile, limit: int
) -> list[int]:
    """The window's papers best first by inner product with ``direction`` (newest first
    without one), restricted to followed categories on a cold start; one query."""
    excluded = sorted(profile.negatives | set(profile.positives))
    only_categories = not profile.positives and bool(profile.categories)
    category_clause = "AND p.categories && %(cats)s::varchar[]" if only_categories else ""
    window = f"""
        SELECT p.id FROM papers_paper p
         WHERE p.announced_on >= %(since)s AND p.announced_on <= %(day)s
           AND NOT p.withdrawn AND NOT p.id = ANY(%(excluded)s) {category_clause}
    """  # the clause is a fixed string; values are bound
    if direction is None:
        sql = f"{window} ORDER BY p.id DESC LIMIT %(limit)s"
    else:
        # The window's ids as an array, so that its vectors are read through the primary
        # key rather than by scanning every vector (a hash join would).
        sql = f"""
            SELECT e.paper_id FROM papers_paperembedding e
             WHERE e.paper_id = ANY(ARRAY({window})) AND e.model_name = %(model)s
             ORDER BY e.vector <#> %(direction)s::vector, e.paper_id LIMIT %(limit)s
        """
    params = {
        "model": settings.EMBEDDING_MODEL, "since": since, "day": day, "excluded": excluded,
        "cats": profile.categories, "limit": limit,
        "direction": vector_literal(direction) if direction is not None else None,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _direction(profile: Profile) -> tuple[np.ndarray | None, list[int], np.ndarray]:
    """The profile direction, and the positives' ids and vectors (for the reasons)."""
    ids, vectors = _vectors([*profile.positives, *profile.negatives])
    positive_rows = [n for n, paper_id in enumerate(ids) if paper_id in profile.positives]
    negative_rows = [n for n, paper_id in enumerate(ids) if paper_id in profile.negatives]
    liked = centroid(vectors[positive_rows])
    if liked is None:
        liked = _topic_direction(profile.topic_ids)
    if liked is None:
        return None, [], vectors[:0]
    disliked = centroid(vectors[negative_rows])
    direction = liked - NEGATIVE_WEIGHT * disliked if disliked is not None else liked
    return direction, [ids[n] for n in positive_rows], vectors[positive_rows]


def _by_followed_authors(profile: Profile, since: date, day: date) -> list[int]:
    """The window's papers with a followed author's name (their field is checked later)."""
    author_ids = [int(key.split("@")[0]) for key in profile.authors if key.split("@")[0].isdigit()]
    if not author_ids:
        return []
    papers = Paper.objects.filter(
        authorships__author_id__in=author_ids, announced_on__gte=since, announced_on__lte=day
    ).exclude(pk__in=profile.negatives)
    return list(papers.values_list("pk", flat=True).distinct()[:FEED_LENGTH])


def latest_day(*, day: date) -> date | None:
    newest: date | None = Paper.objects.filter(announced_on__lte=day).aggregate(
        d=Max("announced_on")
    )["d"]
    return newest


def feed_for(*, user: User, window: str, day: date, length: int = FEED_LENGTH) -> Feed:
    """The reader's list for the window ending on the newest announcement day up to
    ``day``; a bounded number of queries whatever the reader's history."""
    newest = latest_day(day=day)
    profile = profile_of(user=user)
    feed = Feed(window=window, day=newest, empty_profile=profile.empty)
    if newest is None or profile.empty:
        return feed
    since = newest - timedelta(days=WINDOW_DAYS[window] - 1)
    direction, positive_ids, positive_vectors = _direction(profile)
    feed.cold = not positive_ids
    ranked = _ranked_ids(direction=direction, since=since, day=newest, profile=profile,
                         limit=length * 3)  # fmt: skip
    ranked += [pk for pk in _by_followed_authors(profile, since, newest) if pk not in ranked]
    by_followed = papers_by_people(keys=profile.authors, paper_ids=ranked)
    # Papers by followed authors first, the rest in ranking order (sorted is stable).
    chosen = sorted(ranked, key=lambda paper_id: paper_id not in by_followed)[:length]
    feed.items = _cards(chosen, profile, positive_ids, positive_vectors, by_followed, newest)
    marks_apply(cards=feed.items, user=user)
    return feed


def _cards(
    chosen: list[int],
    profile: Profile,
    positive_ids: list[int],
    positive_vectors: np.ndarray,
    by_followed: dict[int, list[str]],
    day: date,
) -> list[Card]:
    papers = papers_with_authors().in_bulk(chosen)
    titles = dict(Paper.objects.filter(pk__in=positive_ids).values_list("pk", "title_text"))
    ids, vectors = _vectors(chosen) if positive_ids else ([], positive_vectors)
    nearest = {}
    if ids:
        nearest = dict(zip(ids, np.argmax(vectors @ positive_vectors.T, axis=1), strict=True))
    cards = cards_for(papers=[papers[pk] for pk in chosen], day=day)
    for card in cards:
        card.reason = _reason(card, profile, positive_ids, titles, nearest, by_followed)
    return cards


def _reason(
    card: Card,
    profile: Profile,
    positive_ids: list[int],
    titles: dict[int, str],
    nearest: dict[int, int],
    by_followed: dict[int, list[str]],
) -> str:
    pk = card.paper.pk
    if pk in by_followed:
        return f"By {', '.join(by_followed[pk])}, whom you follow"
    if pk in nearest:
        source = positive_ids[int(nearest[pk])]
        return f"Close to “{_short(titles.get(source, ''))}”, which you {profile.positives[source]}"
    if card.topic is not None and card.topic.pk in profile.topic_ids:
        return f"In the topic “{card.topic.display_label}”, which you follow"
    followed = [c for c in card.paper.categories if c in profile.categories]
    return f"New in {followed[0]}, which you follow" if followed else "Near the topics you follow"


def _short(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
