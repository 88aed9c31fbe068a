"""Celery entry points of mailing: thin, keyed by ids, safe to run twice.

The task names keep the ``digest.tasks.`` prefix they had before the apps were split:
messages already queued, beat's schedule and the "mail" queue route
(``digest.tasks.send_*``) name them so.
"""

from __future__ import annotations

import smtplib
from dataclasses import asdict
from datetime import date
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from digest.lib.tasks import DATABASE_ERRORS
from mailing import selectors
from mailing.services import leases, sending, subscriptions
from mailing.services.sending import NotAccepted, OutcomeUnknown

# What a send retries on: the server or the network failed, or the outcome is unknown.
SMTP_TRANSIENT = (smtplib.SMTPException, OSError, NotAccepted, OutcomeUnknown, *DATABASE_ERRORS)


@shared_task(
    name="digest.tasks.send_daily_digest",
    bind=True,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def send_daily_digest(self: Task[Any, Any], day: str | None = None) -> dict[str, int]:
    """Create (or resume) the day's digest edition and fan its ledger out in batches,
    once the day's trending harvest is in or the cut-off has come (retried until then)."""
    now = timezone.now()
    when = date.fromisoformat(day) if day else now.date()
    wait = selectors.daily_digest_wait_s(day=when, now=now)
    if wait:  # waiting is not failing: each wait allows one more retry, never using up a budget
        raise self.retry(
            args=(when.isoformat(),), countdown=wait, max_retries=self.request.retries + 1
        )
    edition = sending.edition_daily_digest(day=when)
    return {"edition_id": edition.pk, "batches": sending.edition_send(edition=edition)}


@shared_task(
    name=sending.SEND_EDITION_BATCH.name,
    bind=True,
    autoretry_for=SMTP_TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def send_edition_batch(
    self: Task[Any, Any], edition_id: int, delivery_ids: list[int]
) -> dict[str, int]:
    """One batch; the task id names its claims, so a redelivered message takes them back."""
    result = sending.deliveries_send(
        edition_id=edition_id, delivery_ids=delivery_ids, claim_key=self.request.id
    )
    return asdict(result)


@shared_task(
    name="mailing.tasks.sweep_deliveries",
    ignore_result=True,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def sweep_deliveries() -> None:
    """Beat, every few minutes: settle run-out leases, queue what nobody is sending, and
    mark finished editions done (mailing/services/leases.py)."""
    for swept in leases.deliveries_sweep():
        for batch in swept.batches:
            send_edition_batch.delay(swept.edition_id, batch)


@shared_task(
    name=subscriptions.SEND_SUBSCRIPTION_EMAIL.name,
    autoretry_for=SMTP_TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def send_subscription_email(subscriber_id: int, kind: str) -> bool:
    return subscriptions.subscription_email_send(subscriber_id=subscriber_id, kind=kind)
