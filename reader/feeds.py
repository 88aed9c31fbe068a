"""RSS and Atom feeds of the daily trending list: all papers, per category, per topic.

Each feed is the home page's "Today" list of its scope, in the same order (the one
trending ranking, papers.trending): a day on which no paper got a signal is an empty
channel, not a list of papers nobody looked at. Each item says why it is there.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from digest.lib.safe_html import html_from_text
from papers.models import Topic
from papers.topics.selectors import topic_get
from reader.cards import Card
from reader.forms import CATEGORY_CODE
from reader.selectors import newest_papers, trending_listing

FEED_SIZE = 30

_Scope = TypeVar("_Scope")


class _CardFeed(Feed[Card, _Scope]):
    """A feed of the day's trending cards in some scope: the items and how each reads."""

    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def cards(self, *, category: str | None = None, topic_id: int | None = None) -> list[Card]:
        day = timezone.localdate()
        listing = trending_listing(
            window="day", day=day, category=category, topic_id=topic_id, per_page=FEED_SIZE
        )
        return listing.cards

    def item_title(self, item: Card) -> str:
        return item.paper.title_text

    def item_description(self, item: Card) -> str:
        # Feed readers render descriptions as HTML: the reason and summary go as text, escaped.
        return html_from_text(f"{item.reason}. {item.summary}" if item.reason else item.summary)

    def item_link(self, item: Card) -> str:
        return reverse("paper", args=[item.paper.arxiv_id])

    def item_pubdate(self, item: Card) -> datetime | None:
        return item.paper.submitted_at

    def item_updateddate(self, item: Card) -> datetime | None:
        return item.paper.updated_at or item.paper.submitted_at

    def item_author_name(self, item: Card) -> str:
        names = [author.name for author in item.paper.ordered_authors]
        return ", ".join(names[:10]) + (" et al." if len(names) > 10 else "")

    def item_categories(self, item: Card) -> list[str]:
        return list(item.paper.categories)


class TrendingFeed(_CardFeed[None]):
    title = "Research Digest: trending papers"
    description = "The papers trending today on Research Digest, best first."

    def link(self) -> str:
        return reverse("home")

    def items(self) -> list[Card]:
        return self.cards()


class TrendingAtomFeed(TrendingFeed):
    feed_type = Atom1Feed
    subtitle = TrendingFeed.description


class CategoryFeed(_CardFeed[str]):
    def get_object(self, request: HttpRequest, code: str) -> str:
        if not CATEGORY_CODE.match(code) or not newest_papers(category=code).exists():
            raise Http404("No paper in that category.")
        return code

    def title(self, obj: str) -> str:
        return f"Research Digest: trending in {obj}"

    def description(self, obj: str) -> str:
        return f"The papers in {obj} trending today on Research Digest, best first."

    def link(self, obj: str) -> str:
        return reverse("category", args=[obj])

    def items(self, obj: str) -> list[Card]:
        return self.cards(category=obj)


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: str) -> str:
        return self.description(obj)


class TopicFeed(_CardFeed[Topic]):
    def get_object(self, request: HttpRequest, topic_id: int) -> Topic:
        topic = topic_get(topic_id=topic_id)
        if topic is None:
            raise Http404("No such topic.")
        return topic

    def title(self, obj: Topic) -> str:
        return f"Research Digest: trending in the topic {obj.display_label}"

    def description(self, obj: Topic) -> str:
        return f"Papers of the topic {obj.display_label}, trending today first."

    def link(self, obj: Topic) -> str:
        return reverse("topic", args=[obj.pk])

    def items(self, obj: Topic) -> list[Card]:
        return self.cards(topic_id=obj.pk)


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Topic) -> str:
        return self.description(obj)
