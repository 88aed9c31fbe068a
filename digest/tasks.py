"""Celery entry points of the editorial app. Tasks stay thin: they call a service."""

from __future__ import annotations

import smtplib
from dataclasses import asdict
from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from digest import services
from digest.services.sending import NotAccepted, OutcomeUnknown


@shared_task(name="digest.tasks.echo")
def echo(value: str) -> dict[str, object]:
    """Round-trip a value through a worker: proves a real worker process ran it."""
    import os

    return {"value": value, "pid": os.getpid()}


# --- Mail (routed to the "mail" queue by "digest.tasks.send_*") ---------------------------

_SMTP_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError, NotAccepted, OutcomeUnknown),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="digest.tasks.send_daily_digest")
def send_daily_digest(day: str | None = None) -> dict[str, int]:
    """Create (or resume) the day's digest edition and fan its ledger out in batches."""
    edition = services.edition_daily_digest(
        day=date.fromisoformat(day) if day else timezone.now().date()
    )
    batches = services.edition_prepare(edition=edition)
    for batch in batches:
        send_edition_batch.delay(edition.pk, batch)
    return {"edition_id": edition.pk, "batches": len(batches)}


@shared_task(name="digest.tasks.send_edition_batch", bind=True, **_SMTP_RETRY)
def send_edition_batch(self: Any, edition_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """One batch; the task id names its claims, so a redelivered message takes them back."""
    result = services.deliveries_send(
        edition_id=edition_id, delivery_ids=delivery_ids, claim_key=self.request.id
    )
    return asdict(result)


@shared_task(name="digest.tasks.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> None:
    """Beat, every few minutes: settle run-out leases, queue what nobody is sending, and
    mark finished editions done (digest/services/leases.py)."""
    for swept in services.deliveries_sweep():
        for batch in swept.batches:
            send_edition_batch.delay(swept.edition_id, batch)


@shared_task(name="digest.tasks.send_subscription_email", **_SMTP_RETRY)
def send_subscription_email(subscriber_id: int, kind: str) -> bool:
    return services.subscription_email_send(subscriber_id=subscriber_id, kind=kind)


@shared_task(name="digest.tasks.run_daily_pipeline", ignore_result=True)
def run_daily_pipeline() -> None:
    """Start the harvest → index → embed chain (see digest/pipeline.py)."""
    from digest.pipeline import daily_pipeline

    daily_pipeline().apply_async()


@shared_task(name="digest.tasks.refresh_derived_data", ignore_result=True)
def refresh_derived_data() -> None:
    """Index and embed whatever changed since the last run; a no-op when nothing did."""
    from digest.pipeline import refresh_derived_data as chain

    chain().apply_async()


# Writing: drafting, scheduled publishing, the log's email (digest/writing/tasks.py).
from digest.writing.tasks import draft_week, publish_due_logs, send_research_log  # noqa: E402

__all__ = [
    "draft_week",
    "echo",
    "publish_due_logs",
    "refresh_derived_data",
    "run_daily_pipeline",
    "send_daily_digest",
    "send_edition_batch",
    "send_research_log",
    "send_subscription_email",
    "sweep_deliveries",
]
