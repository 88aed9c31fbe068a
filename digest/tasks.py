"""Celery entry points of the project: the pipeline's beat entries and a worker probe."""

from __future__ import annotations

import os

from celery import shared_task

from digest import pipeline
from digest.lib.tasks import DATABASE_ERRORS


# No retries: the probe answers at once or not at all (a retry would hide a dead worker).
@shared_task(name="digest.tasks.echo")
def echo(value: str) -> dict[str, object]:
    """Round-trip a value through a worker: proves a real worker process ran it."""
    return {"value": value, "pid": os.getpid()}


@shared_task(
    name="digest.tasks.run_daily_pipeline",
    ignore_result=True,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def run_daily_pipeline() -> None:
    """Start the harvest → index → embed chain (see digest/pipeline.py)."""
    pipeline.daily_pipeline().apply_async()


@shared_task(
    name="digest.tasks.refresh_derived_data",
    ignore_result=True,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def refresh_derived_data() -> None:
    """Index and embed whatever changed since the last run; a no-op when nothing did."""
    pipeline.refresh_derived_data().apply_async()
