"""Writes of readers: page views (real readers only, once a day), bookmarks, upvotes, follows.

Each function sets a state rather than flipping it (``on=True`` twice leaves one row), so a
double click, a retried request or two open tabs never undo each other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction

from digest.lib.visitors import is_automated
from mailing.services.subscriptions import subscriber_follows_set
from papers.models import Paper
from reader.models import ApiToken, Bookmark, Feedback, Follow, PaperView, Upvote


def bookmark_set(*, user: User, paper: Paper, on: bool) -> None:
    """Bookmark ``paper``, or remove the bookmark."""
    _mark_set(model=Bookmark, user=user, paper=paper, on=on)


def upvote_set(*, user: User, paper: Paper, on: bool) -> int:
    """Upvote ``paper``, or withdraw the vote; returns the paper's site upvotes now."""
    _mark_set(model=Upvote, user=user, paper=paper, on=on)
    return Upvote.objects.filter(paper=paper).count()


def _mark_set(*, model: type[Bookmark | Upvote], user: User, paper: Paper, on: bool) -> None:
    if on:
        # get_or_create on the unique (user, paper) pair: a concurrent twin gets the row.
        model.objects.get_or_create(user=user, paper=paper)
    else:
        model.objects.filter(user=user, paper=paper).delete()


@transaction.atomic
def follow_set(*, user: User, kind: str, key: str, on: bool) -> bool:
    """Follow a topic, a category or an author (or stop); the reader's email follows along."""
    if kind not in Follow.Kind.values:
        raise ValueError(f"unknown follow kind {kind!r}")
    if on:
        Follow.objects.get_or_create(user=user, kind=kind, key=key)
    else:
        Follow.objects.filter(user=user, kind=kind, key=key).delete()
    _subscriber_sync(user=user)
    return on


def _subscriber_sync(*, user: User) -> None:
    """Copy the follows onto the subscription of the reader's address, if there is one."""
    email = getattr(user, "email", "")
    if not email:
        return
    follows = Follow.objects.filter(user=user).values_list("kind", "key")
    categories = sorted(key for kind, key in follows if kind == Follow.Kind.CATEGORY)
    topics = sorted(key for kind, key in follows if kind == Follow.Kind.TOPIC)
    authors = sorted(key for kind, key in follows if kind == Follow.Kind.AUTHOR)
    subscriber_follows_set(email=email, categories=categories, topics=topics, authors=authors)


VIEW_DEDUP_S = 26 * 3600  # a visitor's views of a paper count once per day
SEEN_TOKEN_MAX_AGE_S = 6 * 3600  # a page left open longer is seen again on reload
_SEEN_SALT = "reader.paper-seen"


@dataclass(frozen=True)
class Viewer:
    """Who viewed a paper page, as far as counting the view needs to know."""

    visitor: str  # the session, else address and browser; only hashed, never stored
    network: str  # the address's /24 or /48 (digest.lib.visitors.network_of)
    user_agent: str


class ViewRefused(StrEnum):
    """Why a view did not count (none of these reach the trending score)."""

    AUTOMATED = "automated"  # a bot, a tool or a headless browser
    REPEAT = "repeat"  # this visitor's view of the paper was counted today already
    NETWORK_CAP = "network cap"  # its network reached TRENDING_VIEWS_PER_NETWORK today


def paper_view_record(*, paper_id: int, viewer: Viewer, day: date) -> ViewRefused | None:
    """Count a reader's view of the paper on ``day``: None if it counted, else why not.

    Call it only for a view a reader made: a signed-in reader's page, or the page's beacon
    (``paper_seen_token``). Known bots and headless browsers never count; a visitor counts
    once a day; one network at most TRENDING_VIEWS_PER_NETWORK views of a paper a day.
    ``cache.add`` is atomic: of two tabs racing, one counts.
    """
    if is_automated(viewer.user_agent):
        return ViewRefused.AUTOMATED
    if not cache.add(_view_key("visitor", viewer.visitor, paper_id, day), 1, VIEW_DEDUP_S):
        return ViewRefused.REPEAT
    network = _view_key("network", viewer.network, paper_id, day)
    cache.add(network, 0, VIEW_DEDUP_S)
    if cache.incr(network) > settings.TRENDING_VIEWS_PER_NETWORK:
        return ViewRefused.NETWORK_CAP
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PaperView._meta.db_table} AS v (paper_id, day, count)"
            " VALUES (%s, %s, 1)"
            " ON CONFLICT (paper_id, day) DO UPDATE SET count = v.count + 1",
            [paper_id, day],
        )
    return None


def _view_key(kind: str, who: str, paper_id: int, day: date) -> str:
    digest = hashlib.sha256(f"{who}|{paper_id}|{day}".encode()).hexdigest()[:32]
    return f"paperview:{kind}:{digest}"


def paper_seen_token(*, paper_id: int, day: date) -> str:
    """The signed token a paper page's beacon sends back to say the page was shown."""
    return signing.dumps([paper_id, day.isoformat()], salt=_SEEN_SALT, compress=False)


def paper_seen_day(*, token: str, paper_id: int) -> date:
    """The day a beacon's token was issued for ``paper_id``; BadSignature if it was not."""
    signed_id, day = signing.loads(token, salt=_SEEN_SALT, max_age=SEEN_TOKEN_MAX_AGE_S)
    if signed_id != paper_id:
        raise signing.BadSignature("the token names another paper")
    return date.fromisoformat(day)


_FEEDBACK_SALT = "reader.foryou-feedback"
FEEDBACK_TOKEN_MAX_AGE_S = 30 * 24 * 3600  # an email's links work for a month


def feedback_set(*, user: User, paper: Paper, kind: str) -> None:
    """Record "more like this" or "not for me" on a paper (the latest word stands)."""
    if kind not in Feedback.Kind.values:
        raise ValueError(f"unknown feedback {kind!r}")
    Feedback.objects.update_or_create(user=user, paper=paper, defaults={"kind": kind})


def feedback_token(*, user_id: int, paper_id: int, kind: str) -> str:
    """The signed part of an email's "more like this" / "not for me" link (no login)."""
    return signing.dumps([user_id, paper_id, kind], salt=_FEEDBACK_SALT, compress=False)


def feedback_token_read(*, token: str) -> tuple[int, int, str]:
    """(user id, paper id, kind) of a signed link; BadSignature if forged or expired."""
    user_id, paper_id, kind = signing.loads(
        token, salt=_FEEDBACK_SALT, max_age=FEEDBACK_TOKEN_MAX_AGE_S
    )
    if kind not in Feedback.Kind.values:
        raise signing.BadSignature("unknown feedback kind")
    return int(user_id), int(paper_id), kind


def api_token_make(*, user: User) -> str:
    """A new API token for the reader (the old one stops working); shown once."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.update_or_create(user=user, defaults={"key_hash": api_token_hash(token)})
    return token


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
