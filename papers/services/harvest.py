"""Running a harvest: one source, one parameter set, at most one run at a time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from papers.harvest.runs import PageHook, harvest_run_execute, harvest_run_start
from papers.harvest.sources import source_for
from papers.models import HarvestRun


class HarvestAlreadyRunning(Exception):
    """Another process is harvesting the same source and parameters right now."""


def harvest_source(
    *, source: str, params: dict[str, Any], on_page: PageHook | None = None
) -> HarvestRun:
    """Harvest ``source`` with ``params``, resuming an unfinished run with the same params.

    A PostgreSQL advisory lock on (source, params) makes a duplicate message (a beat
    double-fire, a redelivery) wait for nothing: it raises HarvestAlreadyRunning at once.
    """
    with _exclusive(source, params):
        run = harvest_run_start(source=source, params=params)
        return harvest_run_execute(run=run, source=source_for(source), on_page=on_page)


@contextmanager
def _exclusive(source: str, params: dict[str, Any]) -> Iterator[None]:
    digest = hashlib.sha256(json.dumps([source, params], sort_keys=True).encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise HarvestAlreadyRunning(f"a {source} harvest with {params} is already running")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
