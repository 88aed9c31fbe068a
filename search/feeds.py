"""A saved search's private RSS feed: its matches of the last two weeks, newest first.

The URL carries the search's ``feed_token`` (unguessable; rotating it revokes the URL);
an unknown token is a 404 that says nothing of whether it ever existed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed

from papers.models import Paper
from search.models import SavedSearch
from search.saved import saved_search_by_token, saved_search_matches

FEED_DAYS = 14


class SavedSearchFeed(Feed):
    feed_type = Rss201rev2Feed
    description = "New papers matching a search you saved on Research Digest."

    def get_object(self, request: HttpRequest, token: str) -> SavedSearch:
        found = saved_search_by_token(token=token)
        if found is None:
            raise Http404("No such feed.")
        return found

    def title(self, obj: SavedSearch) -> str:
        return f"Research Digest: {obj.label}"

    def link(self, obj: SavedSearch) -> str:
        return reverse("search:search") + "?" + _query(obj)

    def items(self, obj: SavedSearch) -> list[Paper]:
        today = timezone.localdate()
        return saved_search_matches(
            saved=obj, since=today - timedelta(days=FEED_DAYS - 1), until=today
        )

    def item_title(self, item: Paper) -> str:
        return item.title_text

    def item_description(self, item: Paper) -> str:
        return item.abstract_text

    def item_link(self, item: Paper) -> str:
        return reverse("paper", args=[item.arxiv_id])

    def item_pubdate(self, item: Paper) -> datetime | None:
        return item.submitted_at


def _query(obj: SavedSearch) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": obj.q, **({"cat": obj.categories} if obj.categories else {})})
