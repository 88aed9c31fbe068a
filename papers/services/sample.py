"""Loading the bundled sample through the same ledger as every harvest."""

from __future__ import annotations

from datetime import date

from papers.harvest.runs import PageHook, harvest_run_execute, harvest_run_start
from papers.harvest.sample import SampleSource, sample_shift_days
from papers.models import HarvestRun


def sample_loaded() -> bool:
    return HarvestRun.objects.filter(
        source=HarvestRun.Source.SAMPLE, status=HarvestRun.Status.SUCCEEDED
    ).exists()


def sample_load(*, today: date | None, on_page: PageHook | None = None) -> HarvestRun:
    """Load the sample with its dates replayed to end on ``today`` (None: original dates)."""
    shift = sample_shift_days(today=today) if today else 0
    run = harvest_run_start(source=HarvestRun.Source.SAMPLE, params={"shift_days": shift})
    return harvest_run_execute(run=run, source=SampleSource(), on_page=on_page)
