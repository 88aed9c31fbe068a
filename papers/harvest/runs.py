"""The harvest ledger: every source runs page by page through ``harvest_run_execute``.

A page's writes and the cursor that points past it are committed in one transaction, so
a crash or a fetch error leaves every earlier page stored and the run resumable from the
exact page that failed; no page is ever half-committed. A record the database refuses is
quarantined (``isolation``), never allowed to fail its page: the cursor moves on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from digest.lib.http import FetchError
from papers.harvest.isolation import page_store
from papers.harvest.records import ArxivRecord, HarvestError, ListingEntry, TrendingRecord
from papers.models import HarvestRun
from papers.services import UpsertCounts

logger = logging.getLogger(__name__)


@dataclass
class Page:
    """One unit of work from a source, and the cursor to resume *after* it."""

    records: list[ArxivRecord] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    trending: list[TrendingRecord] = field(default_factory=list)
    listings: list[ListingEntry] = field(default_factory=list)
    failed: int = 0  # entries the parser had to skip (malformed), counted, never silent


class Source(Protocol):
    name: str

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        """Yield pages from ``cursor`` on (an empty cursor starts at the beginning)."""
        ...


PageHook = Callable[[HarvestRun, Page, UpsertCounts], None]


def harvest_run_start(*, source: str, params: dict[str, Any]) -> HarvestRun:
    """Open a run; if an earlier run of the same source and params did not finish, resume it.

    The earlier run is closed as failed (if a killed worker left it "running") and the new
    run starts from its persisted cursor.
    """
    with transaction.atomic():
        latest = (
            HarvestRun.objects.select_for_update()
            .filter(source=source, params=params)
            .order_by("-started_at", "-pk")
            .first()
        )
        unfinished = latest if latest and latest.status != HarvestRun.Status.SUCCEEDED else None
        cursor: dict[str, Any] = {}
        if unfinished is not None and unfinished.cursor:
            cursor = unfinished.cursor
        run = HarvestRun.objects.create(source=source, params=params, cursor=cursor)
        if unfinished is not None and unfinished.status == HarvestRun.Status.RUNNING:
            unfinished.status = HarvestRun.Status.FAILED
            unfinished.error = f"abandoned (worker stopped); resumed by run #{run.pk}"
            unfinished.finished_at = timezone.now()
            unfinished.save(update_fields=["status", "error", "finished_at"])
    return run


def harvest_run_execute(
    *, run: HarvestRun, source: Source, on_page: PageHook | None = None
) -> HarvestRun:
    """Drive ``source`` page by page from the run's cursor, committing each page whole.

    Fetch and parse errors end the run as failed with the error recorded; the pages
    already committed stay, and the next run with the same params resumes after them.
    """
    try:
        for page in source.pages(params=run.params, cursor=run.cursor):
            counts = _commit_page(run, page)
            if on_page is not None:
                on_page(run, page, counts)
    except (FetchError, HarvestError) as exc:
        logger.warning("harvest run #%s failed: %s", run.pk, exc)
        return _finish(run, status=HarvestRun.Status.FAILED, error=str(exc))
    except BaseException as exc:
        _finish(run, status=HarvestRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return _finish(run, status=HarvestRun.Status.SUCCEEDED, error="")


def _commit_page(run: HarvestRun, page: Page) -> UpsertCounts:
    with transaction.atomic():
        counts = page_store(
            run=run, records=page.records, trending=page.trending, listings=page.listings
        )
        counts.failed += page.failed
        HarvestRun.objects.filter(pk=run.pk).update(
            pages=F("pages") + 1,
            new=F("new") + counts.new,
            updated=F("updated") + counts.updated,
            unchanged=F("unchanged") + counts.unchanged,
            failed=F("failed") + counts.failed,
            quarantined=F("quarantined") + counts.quarantined,
            cursor=page.cursor,
        )
    run.refresh_from_db()
    return counts


def _finish(run: HarvestRun, *, status: str, error: str) -> HarvestRun:
    HarvestRun.objects.filter(pk=run.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
