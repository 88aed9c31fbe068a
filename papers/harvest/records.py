"""What every parser returns: plain dataclasses, independent of the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

NEW_STYLE_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")
OLD_STYLE_ID = re.compile(r"^(?P<id>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?$")
ID_IN_URL = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|oai:arXiv\.org:|arXiv:)?"
    r"(?P<raw>\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)


class HarvestError(Exception):
    """A source could not be fetched or parsed; the message says which and why."""


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """``'2104.12255v3'`` -> ``('2104.12255', 3)``; also old-style and URL forms."""
    match = ID_IN_URL.search(raw.strip())
    if not match:
        raise ValueError(f"not an arXiv identifier: {raw!r}")
    token = match.group("raw")
    parsed = NEW_STYLE_ID.match(token) or OLD_STYLE_ID.match(token)
    if not parsed:
        raise ValueError(f"not an arXiv identifier: {raw!r}")
    version = parsed.group("version")
    return parsed.group("id"), int(version) if version else None


@dataclass(frozen=True)
class VersionRecord:
    version: int
    submitted_at: datetime | None = None
    size: str = ""
    withdrawn: bool = False


@dataclass(frozen=True)
class ArxivRecord:
    """One paper's metadata as a source states it. ``arxiv_id`` never carries a version."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    primary_category: str = ""
    categories: tuple[str, ...] = ()
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    announced_on: date | None = None
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    license: str = ""
    withdrawn: bool = False
    versions: tuple[VersionRecord, ...] = ()
    # False for a paper known only from a trending source, to be completed from arXiv.
    complete: bool = True
    source: str = ""


@dataclass(frozen=True)
class ListingEntry:
    """One line of a daily announcement listing (RSS): which paper, and how it was listed."""

    arxiv_id: str
    version: int
    category: str
    announce_type: str  # new | cross | replace | replace-cross
    announced_on: date
    record: ArxivRecord | None = None


@dataclass(frozen=True)
class TrendingRecord:
    """A trending signal for a paper on a day, as the source gives it."""

    source: str
    day: date
    arxiv_id: str
    rank: int
    upvotes: int = 0
    comments: int = 0
    submitted_by: str = ""
    github_repo: str = ""
    github_stars: int | None = None
    project_page: str = ""
    ai_summary: str = ""
    ai_keywords: tuple[str, ...] = ()
    organization: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    paper: ArxivRecord | None = None
