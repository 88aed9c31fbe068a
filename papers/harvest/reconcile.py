"""Completeness: fetch the papers a day's listing announced that are not stored yet.

The sources disagree, and arXiv's API has been seen dropping whole ranges of ids for a
day. For each announcement day in the window, the ids its listings announced are
compared with the stored papers; the missing ones are fetched by id and upserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from papers.harvest.records import ArxivRecord
from papers.harvest.runs import Page
from papers.services.listings import announcement_day_refresh, announcement_days_missing_ids

FetchByIds = Callable[[list[str]], list[ArxivRecord]]


def _fetch_from_arxiv(ids: list[str]) -> list[ArxivRecord]:
    from papers.harvest.arxiv_api import fetch_records_by_ids

    return fetch_records_by_ids(ids)


class ReconcileSource:
    name = "reconcile"

    def __init__(self, fetch: FetchByIds = _fetch_from_arxiv) -> None:
        self.fetch = fetch

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        done = set(cursor.get("done", []))
        for day in _days(params):
            if day.isoformat() in done:
                continue
            missing = announcement_days_missing_ids(day=day)
            ids = sorted({arxiv_id for ids in missing.values() for arxiv_id in ids})
            records = self.fetch(ids) if ids else []
            found = {record.arxiv_id for record in records}
            done.add(day.isoformat())
            yield Page(
                records=records,
                cursor={"done": sorted(done)},
                failed=len(set(ids) - found),
            )
            # Runs after the page is committed (the consumer commits before resuming us).
            for category in missing:
                announcement_day_refresh(day=day, category=category)


def _days(params: dict[str, Any]) -> Iterator[date]:
    start = date.fromisoformat(params["from"])
    end = date.fromisoformat(params.get("until") or params["from"])
    while start <= end:
        yield start
        start += timedelta(days=1)
