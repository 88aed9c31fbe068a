"""The bundled sample: real June 2026 arXiv listings, replayed through the harvest ledger."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from papers.harvest.records import ArxivRecord, HarvestError, ListingEntry, split_arxiv_id
from papers.harvest.runs import Page

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
LISTINGS_DIR = SAMPLE_DIR / "arxiv-daily-listings" / "2026-06"
HF_DAILY_PAPERS = SAMPLE_DIR / "hf-daily-papers" / "hf_daily_papers_2026-06-12.json"
LAST_SAMPLE_DAY = date(2026, 6, 30)
TRENDING_REPLAY_DAYS = 7
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


class SampleSource:
    name = "sample"

    def __init__(
        self, listings_dir: Path = LISTINGS_DIR, daily_papers: Path = HF_DAILY_PAPERS
    ) -> None:
        self.listings_dir = listings_dir
        self.daily_papers = daily_papers

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        """One page per listing file, then the trending replay; the cursor resumes."""
        yield from self._listing_pages(params=params, cursor=cursor)
        yield from self._trending_pages(params=params, cursor=cursor)

    def _listing_pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        shift = timedelta(days=params.get("shift_days", 0))
        files = sorted(self.listings_dir.glob("*.jsonl.gz"))
        seen: set[str] = set()
        for index, path in enumerate(files):
            day = date.fromisoformat(path.name.split(".")[0]) + shift
            records, failed = self._read(path, day)
            fresh = [r for r in records if r.arxiv_id not in seen]
            seen.update(r.arxiv_id for r in records)
            if index < cursor.get("files_done", 0):
                continue
            yield Page(
                records=fresh,
                listings=[_listing(r, day) for r in fresh],
                cursor={"files_done": index + 1},
                failed=failed,
            )

    def _trending_pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        """The recorded Hugging Face list, replayed as the trending list of the last days."""
        from papers.harvest.hf import daily_papers_parse

        last_day = LAST_SAMPLE_DAY + timedelta(days=params.get("shift_days", 0))
        body = self.daily_papers.read_bytes()
        files_done = len(list(self.listings_dir.glob("*.jsonl.gz")))
        for back in range(cursor.get("trending_days_done", 0), TRENDING_REPLAY_DAYS):
            day = last_day - timedelta(days=back)
            parsed = daily_papers_parse(body, day=day)
            yield Page(
                trending=parsed.trending,
                failed=parsed.failed,
                cursor={"files_done": files_done, "trending_days_done": back + 1},
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
