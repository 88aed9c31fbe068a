"""Storing a harvested page so that one record the database refuses never sinks the rest.

Every record is cleaned and range-checked first (``screening``); the page is then written
in bulk, and only if the database still refuses it is the page halved, and halved again,
each part in its own savepoint, until the records it refuses stand alone and are
quarantined. A clean page costs one bulk write, a page with one bad record about
2·log2(n) more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

import psycopg
from django.db import DataError, IntegrityError, transaction

from papers.harvest.records import ArxivRecord, ListingEntry, TrendingRecord
from papers.harvest.screening import record_clean, record_problems
from papers.models import HarvestRun, QuarantinedRecord
from papers.services import UpsertCounts, listings_record, papers_upsert, trending_upsert
from papers.services.quarantine import record_quarantine

logger = logging.getLogger(__name__)

Item = TypeVar("Item", ArxivRecord, TrendingRecord, ListingEntry)

# What the database (or psycopg adapting a value for it) says about one bad value. An
# operational error (connection lost, statement timeout) is not about a record: it fails
# the run, to be resumed, instead of quarantining a whole page.
REFUSALS: tuple[type[Exception], ...] = (
    DataError,
    IntegrityError,
    psycopg.DataError,
    psycopg.IntegrityError,
    UnicodeError,
)


def page_store(
    *,
    run: HarvestRun,
    records: Sequence[ArxivRecord],
    trending: Sequence[TrendingRecord],
    listings: Sequence[ListingEntry],
) -> UpsertCounts:
    """Store a page's papers, trending signals and listings; quarantine what cannot be stored."""
    counts = _store(run, QuarantinedRecord.Kind.PAPER, records, _papers)
    if trending:
        counts += _store(run, QuarantinedRecord.Kind.TRENDING, trending, _trending)
    if listings:
        counts += _store(run, QuarantinedRecord.Kind.LISTING, listings, _listings)
    return counts


def _papers(items: list[ArxivRecord]) -> UpsertCounts:
    return papers_upsert(records=items)


def _trending(items: list[TrendingRecord]) -> UpsertCounts:
    return trending_upsert(records=items)


def _listings(items: list[ListingEntry]) -> UpsertCounts:
    listings_record(entries=items)
    return UpsertCounts()


def _store(
    run: HarvestRun, kind: str, items: Sequence[Item], store: Callable[[list[Item]], UpsertCounts]
) -> UpsertCounts:
    counts = UpsertCounts()
    sound: list[tuple[Item, Item]] = []  # (as parsed, cleaned): the parsed one is quarantined
    for item in items:
        cleaned = record_clean(item)
        problems = record_problems(cleaned)
        if problems:
            counts += _quarantine(run, kind, item, reason="; ".join(problems))
        else:
            sound.append((item, cleaned))
    if sound:
        counts += _store_halving(run, kind, sound, store)
    return counts


def _store_halving(
    run: HarvestRun,
    kind: str,
    items: list[tuple[Item, Item]],
    store: Callable[[list[Item]], UpsertCounts],
) -> UpsertCounts:
    try:
        with transaction.atomic():
            return store([cleaned for _, cleaned in items])
    except REFUSALS as exc:
        if len(items) == 1:
            return _quarantine(run, kind, items[0][0], reason=f"{type(exc).__name__}: {exc}")
        middle = len(items) // 2
        counts = _store_halving(run, kind, items[:middle], store)
        counts += _store_halving(run, kind, items[middle:], store)
        return counts


def _quarantine(run: HarvestRun, kind: str, item: Item, *, reason: str) -> UpsertCounts:
    logger.warning("harvest run #%s quarantined %s %r: %s", run.pk, kind, item.arxiv_id, reason)
    record_quarantine(run=run, kind=kind, record_id=item.arxiv_id, record=item, reason=reason)
    return UpsertCounts(quarantined=1)
