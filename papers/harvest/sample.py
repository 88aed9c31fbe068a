"""The bundled sample: real June 2026 arXiv listings, replayed through the harvest ledger.

Dates are replayed on one calendar. Every date moves by the same offset (the last listing
day becomes the load day), except for the papers of the recorded Hugging Face list: that
list is one day's (2026-06-12), so to give today, this week and this month each their own
trending papers, each of its papers is replayed on a day of its own (``trending_replay``)
and *all* of that paper's dates (submitted, announced, its listing, its signal) move
together with it, keeping the real gap between its arXiv announcement and its trending.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from papers.harvest.records import (
    ArxivRecord,
    HarvestError,
    ListingEntry,
    TrendingRecord,
    split_arxiv_id,
)
from papers.harvest.runs import Page

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
LISTINGS_DIR = SAMPLE_DIR / "arxiv-daily-listings" / "2026-06"
HF_DAILY_PAPERS = SAMPLE_DIR / "hf-daily-papers" / "hf_daily_papers_2026-06-12.json"
LAST_SAMPLE_DAY = date(2026, 6, 30)
HF_LIST_DAY = date(2026, 6, 12)  # the day of the recorded Hugging Face list
# arXiv's submission deadline is 14:00 US Eastern: 18:00 UTC the day before announcement.
_DEADLINE_UTC = time(18, 0, tzinfo=UTC)


def parse_listing_line(line: str | bytes, *, announced_on: date) -> ArxivRecord:
    """One JSON line of a daily listing -> an ArxivRecord announced on ``announced_on``."""
    try:
        item = json.loads(line)
        arxiv_id, version = split_arxiv_id(item["id"])
        categories = tuple(item.get("categories") or ())
        return ArxivRecord(
            arxiv_id=arxiv_id,
            version=version or 1,
            title=item["title"],
            abstract=item.get("summary") or "",
            authors=tuple(item.get("authors") or ()),
            primary_category=categories[0] if categories else "",
            categories=categories,
            submitted_at=datetime.combine(announced_on - timedelta(days=1), _DEADLINE_UTC),
            announced_on=announced_on,
            comments=item.get("comment") or "",
            source="sample",
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise HarvestError(f"malformed listing line: {exc}") from exc


def trending_replay(records: list[TrendingRecord]) -> dict[str, int]:
    """Days back from the last sample day on which each recorded paper trends.

    By upvotes, every third paper trends on the last day, the next on one of the six days
    before it, the next 8 to 26 days back: today, this week and this month then hold
    different papers, each list with strong and weak ones.
    """
    ordered = sorted(records, key=lambda r: (-r.upvotes, r.rank, r.arxiv_id))
    return {
        record.arxiv_id: (0, 1 + (index // 3) % 6, 8 + 2 * (index // 3))[index % 3]
        for index, record in enumerate(ordered)
    }


class SampleSource:
    name = "sample"

    def __init__(
        self, listings_dir: Path = LISTINGS_DIR, daily_papers: Path = HF_DAILY_PAPERS
    ) -> None:
        self.listings_dir = listings_dir
        self.daily_papers = daily_papers

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        """One page per listing file, then one per replayed trending day; the cursor resumes."""
        shift = timedelta(days=params.get("shift_days", 0))
        trending = self._trending_records()
        back = trending_replay(trending)
        moves = {
            arxiv_id: shift + (LAST_SAMPLE_DAY - timedelta(days=days) - HF_LIST_DAY)
            for arxiv_id, days in back.items()
        }
        yield from self._listing_pages(shift=shift, moves=moves, cursor=cursor)
        yield from self._trending_pages(trending, back=back, moves=moves, cursor=cursor)

    def _trending_records(self) -> list[TrendingRecord]:
        from papers.harvest.hf import daily_papers_parse

        return daily_papers_parse(self.daily_papers.read_bytes(), day=HF_LIST_DAY).trending

    def _listing_pages(
        self, *, shift: timedelta, moves: dict[str, timedelta], cursor: dict[str, Any]
    ) -> Iterator[Page]:
        files = sorted(self.listings_dir.glob("*.jsonl.gz"))
        seen: set[str] = set()
        for index, path in enumerate(files):
            day = date.fromisoformat(path.name.split(".")[0])
            records, failed = self._read(path, day)
            fresh = [
                _moved(r, moves.get(r.arxiv_id, shift)) for r in records if r.arxiv_id not in seen
            ]
            seen.update(r.arxiv_id for r in records)
            if index < cursor.get("files_done", 0):
                continue
            yield Page(
                records=fresh,
                listings=[_listing(r, r.announced_on or day + shift) for r in fresh],
                cursor={"files_done": index + 1},
                failed=failed,
            )

    def _trending_pages(
        self,
        records: list[TrendingRecord],
        *,
        back: dict[str, int],
        moves: dict[str, timedelta],
        cursor: dict[str, Any],
    ) -> Iterator[Page]:
        """The recorded list, each paper on its replay day, ranked within that day's list."""
        by_day: dict[int, list[TrendingRecord]] = defaultdict(list)
        for record in records:
            by_day[back[record.arxiv_id]].append(record)
        files_done = len(list(self.listings_dir.glob("*.jsonl.gz")))
        days = sorted(by_day)
        for index in range(cursor.get("trending_days_done", 0), len(days)):
            group = sorted(by_day[days[index]], key=lambda r: r.rank)
            yield Page(
                trending=[
                    _moved_signal(record, moves[record.arxiv_id], rank=rank)
                    for rank, record in enumerate(group, start=1)
                ],
                cursor={"files_done": files_done, "trending_days_done": index + 1},
            )

    def _read(self, path: Path, day: date) -> tuple[list[ArxivRecord], int]:
        records, failed = [], 0
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    records.append(parse_listing_line(line, announced_on=day))
                except HarvestError:
                    failed += 1
        return records, failed


def _moved(record: ArxivRecord, by: timedelta) -> ArxivRecord:
    """The record with every date it carries moved by ``by``."""
    return dataclasses.replace(
        record,
        submitted_at=record.submitted_at + by if record.submitted_at else None,
        updated_at=record.updated_at + by if record.updated_at else None,
        announced_on=record.announced_on + by if record.announced_on else None,
    )


def _moved_signal(record: TrendingRecord, by: timedelta, *, rank: int) -> TrendingRecord:
    extra = dict(record.extra)
    listed_at = extra.get("listed_at")
    if isinstance(listed_at, str):
        try:
            extra["listed_at"] = (datetime.fromisoformat(listed_at) + by).isoformat()
        except ValueError:
            extra.pop("listed_at")
    return dataclasses.replace(
        record,
        day=record.day + by,
        rank=rank,
        extra=extra,
        paper=_moved(record.paper, by) if record.paper is not None else None,
    )


def _listing(record: ArxivRecord, day: date) -> ListingEntry:
    return ListingEntry(
        arxiv_id=record.arxiv_id,
        version=record.version,
        category=record.primary_category,
        announce_type="new",
        announced_on=day,
    )


def sample_shift_days(*, today: date) -> int:
    """Days to add to sample dates so that the last sample day becomes ``today``."""
    return (today - LAST_SAMPLE_DAY).days
