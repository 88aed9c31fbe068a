"""Saved searches: a reader's query kept as an alert (new matches by email and RSS).

A saved search is the search box's query (the whole language: words, phrases,
exclusions, ``author:``, ``cat:``, dates) and the category filter. Its *new matches* on a
day are the papers announced that day that the search finds, newest submission first:
the search runs as the search page runs it (``search_papers``) in keyword mode, sorted
newest (an alert is about papers that match the words; the semantic side would call any
paper a match, only less near), bounded to
papers submitted in the week before the day (announcement follows submission by a few
days), and keeps those announced on the day.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet

from papers.models import Paper
from search.models import SavedSearch, new_feed_token
from search.query import SearchQueryError, parse_query
from search.selectors import SearchRequest, search_papers

MATCH_LOOKBACK_DAYS = 7
MATCHES_LIMIT = 50  # per search and day: more than an email or a feed reader shows


def saved_search_save(*, user: User, q: str, categories: str = "") -> SavedSearch:
    """Keep a search (idempotent); SearchQueryError if the query cannot run."""
    q = " ".join(q.split())
    if not q:
        raise SearchQueryError("Type a query to save it.")
    parse_query(q)
    saved, _ = SavedSearch.objects.get_or_create(user=user, q=q, categories=categories)
    return saved


def saved_searches_of(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user).order_by("-created", "-pk")


def saved_search_feed_rotate(*, user: User, saved_id: int) -> bool:
    """A new private feed URL for the search; the old one stops working."""
    found = SavedSearch.objects.filter(pk=saved_id, user=user)
    return found.update(feed_token=new_feed_token()) == 1


def saved_search_delete(*, user: User, saved_id: int) -> bool:
    return SavedSearch.objects.filter(pk=saved_id, user=user).delete()[0] > 0


def saved_search_by_token(*, token: str) -> SavedSearch | None:
    return SavedSearch.objects.filter(feed_token=token).first() if token else None


def saved_search_matches(
    *, saved: SavedSearch, since: date, until: date, limit: int = MATCHES_LIMIT
) -> list[Paper]:
    """Papers announced from ``since`` to ``until`` that the search finds, newest first."""
    categories = tuple(c for c in saved.categories.split(",") if c)
    request = SearchRequest(
        q=saved.q, mode="keyword", sort="newest", categories=categories,
        date_from=since - timedelta(days=MATCH_LOOKBACK_DAYS), per_page=limit,
    )  # fmt: skip
    try:
        hits = search_papers(request=request).hits
    except SearchQueryError:  # a query saved under older rules; it matches nothing
        return []
    papers = [hit.paper for hit in hits]
    announced = dict(
        Paper.objects.filter(pk__in=[p.pk for p in papers]).values_list("pk", "announced_on")
    )
    return [p for p in papers if announced[p.pk] and since <= announced[p.pk] <= until]
