"""Hugging Face daily papers: the community's trending list, one signal per paper and day.

``daily_papers_fetch`` returns the API's bytes, ``daily_papers_parse`` turns them into
``TrendingRecord``s (each carrying a stub ``ArxivRecord`` for papers not yet harvested),
and ``HuggingFaceSource`` drives them page by page for the harvest ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings

from digest.lib.http import HttpClient
from papers.harvest.records import (
    NEW_STYLE_ID,
    OLD_STYLE_ID,
    ArxivRecord,
    HarvestError,
    TrendingRecord,
)
from papers.harvest.runs import Page

HF_API_URL = "https://huggingface.co/api/daily_papers"
SOURCE = "hf"
MAX_LIMIT = 100
PERIODS = ("date", "week", "month")
# Column widths of TrendingSignal: the raw bulk SQL would fail on anything longer.
_NAME_MAX = 200
_URL_MAX = 500


@dataclass
class DailyPapersPage:
    """One parsed API page: the signals, how many entries it held, and how many were skipped."""

    trending: list[TrendingRecord] = field(default_factory=list)
    entries: int = 0
    failed: int = 0


def daily_papers_fetch(
    *, client: HttpClient, period: Mapping[str, str], page: int, limit: int, base_url: str
) -> bytes:
    """One page of the list for a ``{"date"|"week"|"month": value}`` period, as raw bytes."""
    return client.get(base_url, params={**period, "limit": limit, "p": page})


def daily_papers_parse(
    body: bytes, *, day: date | None, ranks: dict[str, int] | None = None
) -> DailyPapersPage:
    """Parse one page; ``day`` is the requested date, or None to use each entry's own day.

    ``ranks`` holds the entries already seen per day (earlier pages) and is advanced in
    place, so a rank is the position in that day's list across pages. Entries without a
    valid arXiv id are skipped and counted; a body that is not a JSON list raises.
    """
    try:
        entries = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarvestError(f"Hugging Face daily papers: malformed JSON ({exc})") from exc
    if not isinstance(entries, list):
        raise HarvestError(
            f"Hugging Face daily papers: expected a JSON list, got {type(entries).__name__}"
        )
    ranks = {} if ranks is None else ranks
    parsed = DailyPapersPage(entries=len(entries))
    for entry in entries:
        record = _trending_record(entry, day=day, ranks=ranks)
        if record is None:
            parsed.failed += 1
        else:
            parsed.trending.append(record)
    return parsed


def _trending_record(
    entry: object, *, day: date | None, ranks: dict[str, int]
) -> TrendingRecord | None:
    paper = _dict(entry, "paper") if isinstance(entry, dict) else {}
    signal_day = day or _day(paper.get("submittedOnDailyAt"))
    if signal_day is None:
        return None
    key = signal_day.isoformat()
    # Counted before validation: a skipped entry still holds its place in the day's list.
    rank = ranks[key] = ranks.get(key, 0) + 1
    arxiv_id = _arxiv_id(paper.get("id"))
    if not isinstance(entry, dict) or arxiv_id is None:
        return None
    return TrendingRecord(
        source=SOURCE,
        day=signal_day,
        arxiv_id=arxiv_id,
        rank=rank,
        upvotes=_int(paper.get("upvotes", entry.get("upvotes"))) or 0,
        comments=_int(entry.get("numComments")) or 0,
        submitted_by=_submitted_by(entry, paper),
        github_repo=_url(paper.get("githubRepo")),
        github_stars=_int(paper.get("githubStars")),
        project_page=_url(paper.get("projectPage")),
        ai_summary=_str(paper.get("ai_summary")),
        ai_keywords=_keywords(paper.get("ai_keywords")),
        organization=_str(_org(entry, paper).get("name"))[:_NAME_MAX],
        extra=_extra(entry, paper),
        paper=_stub(entry, paper, arxiv_id=arxiv_id),
    )


def _stub(entry: dict[str, Any], paper: dict[str, Any], *, arxiv_id: str) -> ArxivRecord:
    """What the API says about the paper: enough to show it until arXiv's record arrives."""
    authors = paper.get("authors") or ()
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=_str(paper.get("title")) or _str(entry.get("title")),
        abstract=_str(paper.get("summary")) or _str(entry.get("summary")),
        authors=tuple(a["name"] for a in authors if isinstance(a, dict) and _str(a.get("name"))),
        submitted_at=_datetime(paper.get("publishedAt")),
        complete=False,
        source=SOURCE,
    )


def _extra(entry: dict[str, Any], paper: dict[str, Any]) -> dict[str, object]:
    candidates: dict[str, object] = {
        "discussion_id": paper.get("discussionId"),
        "ai_summary_model": paper.get("ai_summary_model"),
        "github_repo_added_by": paper.get("githubRepoAddedBy"),
        "organization_fullname": _org(entry, paper).get("fullname"),
        "submitted_by_fullname": _submitter(entry, paper).get("fullname"),
        "thumbnail": entry.get("thumbnail"),
        # 2024 responses carry mediaUrls at the top level, 2026 ones under ``paper``.
        "media_urls": paper.get("mediaUrls") or entry.get("mediaUrls"),
        "is_author_participating": entry.get("isAuthorParticipating"),
        "listed_at": entry.get("publishedAt"),
    }
    return {key: value for key, value in candidates.items() if value not in (None, "", [])}


def _submitter(entry: dict[str, Any], paper: dict[str, Any]) -> dict[str, Any]:
    return _dict(entry, "submittedBy") or _dict(paper, "submittedOnDailyBy")


def _submitted_by(entry: dict[str, Any], paper: dict[str, Any]) -> str:
    submitter = _submitter(entry, paper)
    return (_str(submitter.get("name")) or _str(submitter.get("user")))[:_NAME_MAX]


def _org(entry: dict[str, Any], paper: dict[str, Any]) -> dict[str, Any]:
    return _dict(entry, "organization") or _dict(paper, "organization")


def _keywords(value: object) -> tuple[str, ...]:
    words = value if isinstance(value, list) else []
    return tuple(_str(word)[:_NAME_MAX] for word in words if _str(word))


def _dict(container: dict[str, Any], key: str) -> dict[str, Any]:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def _arxiv_id(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    match = NEW_STYLE_ID.match(raw.strip()) or OLD_STYLE_ID.match(raw.strip())
    return match.group("id") if match else None


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _url(value: object) -> str:
    url = _str(value)
    return url if url.startswith(("http://", "https://")) and len(url) <= _URL_MAX else ""


def _datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _day(value: object) -> date | None:
    moment = _datetime(value)
    return moment.date() if moment else None


class HuggingFaceSource:
    """The daily (or weekly, monthly) list, paged; params ``{"date": "YYYY-MM-DD"}``.

    The cursor is ``{"page": N}`` (plus, for week and month lists, the entries already
    seen per day, so ranks stay positions in each day's list after a resume).
    """

    name = SOURCE

    def __init__(
        self, *, client: HttpClient | None = None, limit: int = MAX_LIMIT, base_url: str = ""
    ) -> None:
        self.client = client or HttpClient(min_interval_s=1.0)
        self.limit = max(1, min(limit, MAX_LIMIT))
        self.base_url = base_url or getattr(settings, "HF_API_URL", HF_API_URL)

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        period, day = _period(params)
        page = int(cursor.get("page", 0))
        # A dated list's ranks follow from the page number; week/month lists need counts.
        ranks: dict[str, int] = dict(cursor.get("ranks", {}))
        if day is not None:
            ranks = {day.isoformat(): page * self.limit}
        while True:
            body = daily_papers_fetch(
                client=self.client, period=period, page=page, limit=self.limit,
                base_url=self.base_url,
            )  # fmt: skip
            parsed = daily_papers_parse(body, day=day, ranks=ranks)
            page += 1
            next_cursor: dict[str, Any] = {"page": page}
            if day is None:
                next_cursor["ranks"] = dict(ranks)
            yield Page(trending=parsed.trending, failed=parsed.failed, cursor=next_cursor)
            if parsed.entries < self.limit:
                return


def _period(params: Mapping[str, Any]) -> tuple[dict[str, str], date | None]:
    """The one period parameter to send, and the signals' day when it is a single date."""
    given = {key: str(params[key]) for key in PERIODS if params.get(key)}
    if len(given) != 1:
        raise HarvestError(f"Hugging Face daily papers: give one of date/week/month, not {params}")
    if "date" not in given:
        return given, None
    try:
        return given, date.fromisoformat(given["date"])
    except ValueError as exc:
        raise HarvestError(f"Hugging Face daily papers: bad date {given['date']!r}") from exc
