"""arXiv's daily RSS listings (the 2024+ ``rss.arxiv.org`` format): what was announced.

``rss_fetch`` returns the feed's bytes, ``rss_parse`` turns them into ``ListingEntry``s
(each with the item's ``ArxivRecord``), and ``RssSource`` is the one-page harvest source.
A weekend or holiday feed has a channel and no items: an empty, successful listing.
"""

from __future__ import annotations

import email.utils
import re
import xml.sax
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import feedparser
from django.conf import settings

from digest.lib.http import HttpClient
from papers.harvest.records import ArxivRecord, HarvestError, ListingEntry, split_arxiv_id
from papers.harvest.runs import Page

ARXIV_RSS_URL = "https://rss.arxiv.org/rss/"
SOURCE = "rss"
ANNOUNCE_TYPES = frozenset({"new", "cross", "replace", "replace-cross"})
_ABSTRACT = re.compile(r"\bAbstract:\s*", re.IGNORECASE)


@dataclass
class RssListing:
    """One parsed feed: the channel's announcement day, its entries, and skipped items."""

    announced_on: date | None
    entries: list[ListingEntry] = field(default_factory=list)
    failed: int = 0


def rss_fetch(*, client: HttpClient, categories: Sequence[str], base_url: str) -> bytes:
    """The listing feed for one or more categories (``cs.AI+cs.CL``), as raw bytes."""
    return client.get(base_url.rstrip("/") + "/" + "+".join(categories))


def rss_parse(body: bytes, *, categories: Sequence[str]) -> RssListing:
    """Parse a listing feed requested for ``categories``; malformed XML raises HarvestError.

    Items without an arXiv guid or a known announce type are skipped and counted.
    """
    feed = _feed(body)
    day = _channel_day(feed)
    listing = RssListing(announced_on=day)
    for item in feed.entries:
        entry = _entry(item, categories=categories, day=day)
        if entry is None:
            listing.failed += 1
        else:
            listing.entries.append(entry)
    return listing


def _feed(body: bytes) -> Any:
    # HTML is not sanitised: abstracts are plain text in which "<script>" or "<b>" are words.
    feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    # bozo is also set for harmless things (an encoding guessed without an XML declaration,
    # a served content type); only a document that is not well-formed XML is an error.
    if feed.bozo and isinstance(feed.get("bozo_exception"), xml.sax.SAXException):
        raise HarvestError(f"arXiv RSS: malformed XML ({feed.bozo_exception})")
    if not feed.version.startswith("rss") or "title" not in feed.feed:
        raise HarvestError(f"arXiv RSS: not an RSS listing (format {feed.version or 'unknown'!r})")
    return feed


def _channel_day(feed: Any) -> date | None:
    """The announcement day as arXiv states it (its own time zone, not converted to UTC)."""
    return _date(feed.feed.get("published")) or _date(feed.feed.get("updated"))


def _date(stamp: str | None) -> date | None:
    """An RFC 822 date (<pubDate>, <lastBuildDate>) as the calendar day it names."""
    try:
        return email.utils.parsedate_to_datetime(stamp).date() if stamp else None
    except (TypeError, ValueError):
        return None


def _entry(item: Any, *, categories: Sequence[str], day: date | None) -> ListingEntry | None:
    try:
        arxiv_id, version = split_arxiv_id(item.get("id", ""))
    except ValueError:
        return None
    announce_type = item.get("arxiv_announce_type", "").strip()
    day = day or _date(item.get("published"))  # a channel without dates: the item's own
    if announce_type not in ANNOUNCE_TYPES or day is None:
        return None
    # A ``new`` item's day is the paper's first announcement; other types are later news.
    first_announced = day if announce_type == "new" else None
    record = _record(item, arxiv_id=arxiv_id, version=version or 1, announced_on=first_announced)
    return ListingEntry(
        arxiv_id=arxiv_id,
        version=version or 1,
        category=_listed_under(record.categories, requested=categories),
        announce_type=announce_type,
        announced_on=day,
        record=record,
    )


def _listed_under(item_categories: Sequence[str], *, requested: Sequence[str]) -> str:
    """The requested category the item appears under (a one-category feed: that one)."""
    if len(requested) == 1:
        return requested[0]
    for category in item_categories:
        if category in requested:
            return category
    return item_categories[0] if item_categories else (requested[0] if requested else "")


def _record(item: Any, *, arxiv_id: str, version: int, announced_on: date | None) -> ArxivRecord:
    categories = tuple(tag["term"].strip() for tag in item.get("tags", []) if tag.get("term"))
    title = item.get("title", "").strip()
    abstract = _abstract(item.get("description", ""))
    authors = tuple(n.strip() for n in item.get("author", "").split(",") if n.strip())
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=authors,
        primary_category=categories[0] if categories else "",
        categories=categories,
        announced_on=announced_on,
        license=item.get("rights", "").strip(),
        complete=bool(title and abstract and authors and categories),
        source=SOURCE,
    )


def _abstract(description: str) -> str:
    """The text after ``Abstract:``; before it is ``arXiv:<id>v<n> Announce Type: <type>``."""
    parts = _ABSTRACT.split(description, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


class RssSource:
    """One listing feed, one page; params ``{"categories": ["cs.AI", "cs.CL"]}``."""

    name = SOURCE

    def __init__(self, *, client: HttpClient | None = None, base_url: str = "") -> None:
        self.client = client or HttpClient(min_interval_s=1.0)
        self.base_url = base_url or getattr(settings, "ARXIV_RSS_URL", ARXIV_RSS_URL)

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        # The cursor is informational only. The scheduled params are the same every day, so
        # a resumed run must fetch today's feed, never trust "done": recording is idempotent.
        categories = [str(c) for c in params.get("categories") or ()]
        if not categories:
            raise HarvestError("arXiv RSS: no categories given")
        body = rss_fetch(client=self.client, categories=categories, base_url=self.base_url)
        listing = rss_parse(body, categories=categories)
        records = [e.record for e in listing.entries if e.record and e.record.complete]
        day = listing.announced_on.isoformat() if listing.announced_on else None
        yield Page(
            records=records,
            listings=listing.entries,
            failed=listing.failed,
            cursor={"announced_on": day, "items": len(listing.entries)},
        )
