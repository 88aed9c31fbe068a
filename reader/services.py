"""Writes of readers: page views (counted once per visitor and day), bookmarks, upvotes, follows.

Each function sets a state rather than flipping it (``on=True`` twice leaves one row), so a
double click, a retried request or two open tabs never undo each other.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection, transaction

from mailing.services.subscriptions import subscriber_follows_set
from papers.models import Paper
from reader.models import Bookmark, Follow, PaperView, Upvote


def bookmark_set(*, user: AbstractBaseUser, paper: Paper, on: bool) -> None:
    """Bookmark ``paper``, or remove the bookmark."""
    _mark_set(model=Bookmark, user=user, paper=paper, on=on)


def upvote_set(*, user: AbstractBaseUser, paper: Paper, on: bool) -> int:
    """Upvote ``paper``, or withdraw the vote; returns the paper's site upvotes now."""
    _mark_set(model=Upvote, user=user, paper=paper, on=on)
    return Upvote.objects.filter(paper=paper).count()


def _mark_set(
    *, model: type[Bookmark | Upvote], user: AbstractBaseUser, paper: Paper, on: bool
) -> None:
    if on:
        # get_or_create on the unique (user, paper) pair: a concurrent twin gets the row.
        model.objects.get_or_create(user=user, paper=paper)
    else:
        model.objects.filter(user=user, paper=paper).delete()


@transaction.atomic
def follow_set(*, user: AbstractBaseUser, kind: str, key: str, on: bool) -> bool:
    """Follow a topic or a category (or stop); the reader's email digest follows along."""
    if kind not in Follow.Kind.values:
        raise ValueError(f"unknown follow kind {kind!r}")
    if on:
        Follow.objects.get_or_create(user=user, kind=kind, key=key)
    else:
        Follow.objects.filter(user=user, kind=kind, key=key).delete()
    _subscriber_sync(user=user)
    return on


def _subscriber_sync(*, user: AbstractBaseUser) -> None:
    """Copy the follows onto the subscription of the reader's address, if there is one."""
    email = getattr(user, "email", "")
    if not email:
        return
    follows = Follow.objects.filter(user=user).values_list("kind", "key")
    categories = sorted(key for kind, key in follows if kind == Follow.Kind.CATEGORY)
    topics = sorted(key for kind, key in follows if kind == Follow.Kind.TOPIC)
    subscriber_follows_set(email=email, categories=categories, topics=topics)


VIEW_DEDUP_S = 26 * 3600  # a visitor's views of a paper count once per day


def paper_view_record(*, paper_id: int, visitor: str, day: date) -> bool:
    """Count a view of the paper on ``day``, once per visitor; True if it counted.

    The visitor key (a session, or a hash of address and browser) is only hashed into a
    cache key, never stored. ``cache.add`` is atomic: of two tabs racing, one counts.
    """
    digest = hashlib.sha256(f"{visitor}|{paper_id}|{day}".encode()).hexdigest()[:32]
    if not cache.add(f"paperview:{digest}", 1, VIEW_DEDUP_S):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PaperView._meta.db_table} AS v (paper_id, day, count)"
            " VALUES (%s, %s, 1)"
            " ON CONFLICT (paper_id, day) DO UPDATE SET count = v.count + 1",
            [paper_id, day],
        )
    return True
