"""RSS and Atom feeds of the published research logs, newest first."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from digest.lib.safe_html import html_sanitise
from writing.models import ResearchLog
from writing.selectors import research_logs

FEED_SIZE = 20


class ResearchLogFeed(Feed[ResearchLog, None]):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    title = "Research Digest: research logs"
    description = "The weekly AI research roundup, as each numbered research log is published."

    def link(self) -> str:
        return reverse("research_logs")

    def items(self) -> QuerySet[ResearchLog]:
        return research_logs()[:FEED_SIZE]

    def item_title(self, item: ResearchLog) -> str:
        return f"{item.display_number}: {item.title}"

    def item_description(self, item: ResearchLog) -> str:
        # Feed readers render it as HTML without our CSP: only what cannot run goes out.
        return html_sanitise(item.body_html)

    def item_link(self, item: ResearchLog) -> str:
        return reverse("research_log", args=[item.slug])

    def item_guid(self, item: ResearchLog) -> str:
        return f"research-log-{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ResearchLog) -> datetime:
        return item.published_at

    def item_updateddate(self, item: ResearchLog) -> datetime:
        return item.published_at

    def item_categories(self, item: ResearchLog) -> list[str]:
        return [item.theme] if item.theme else []


class ResearchLogAtomFeed(ResearchLogFeed):
    feed_type = Atom1Feed
    subtitle = ResearchLogFeed.description
