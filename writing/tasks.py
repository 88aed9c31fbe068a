"""Celery entry points of writing: thin, keyed by week or id, safe to run twice.

The task names keep the ``digest.tasks.`` prefix they had before the apps were split:
messages already queued and beat's schedule name them so.
"""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from django.utils import timezone

from digest.lib.llm import llm_client
from digest.lib.tasks import DATABASE_ERRORS
from papers.weeks import week_start_of
from writing.models import Draft
from writing.services import drafting, publishing


@shared_task(
    name=drafting.DRAFT_WEEK.name,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def draft_week(week: str | None = None, item_count: int | None = None) -> dict[str, object]:
    """Draft the week (ISO date of any day in it; default this week), or finish its draft."""
    week_start = week_start_of(date.fromisoformat(week) if week else timezone.localdate())
    try:
        draft = drafting.draft_prepare(week_start=week_start, item_count=item_count)
        draft = drafting.draft_write(draft_id=draft.pk, client=llm_client())
    except Exception as exc:
        # The editor's page shows this instead of polling forever.
        Draft.objects.filter(week_start=week_start).update(
            generation=Draft.Generation.FAILED, generation_error=str(exc)[:2000]
        )
        if isinstance(exc, drafting.DraftingError):
            return {"error": str(exc)}
        raise
    return {"draft_id": draft.pk, "version": draft.version, "backend": draft.backend}


@shared_task(
    name="digest.tasks.publish_due_logs",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def publish_due_logs() -> list[int]:
    return publishing.logs_publish_due()


@shared_task(
    name=publishing.SEND_RESEARCH_LOG.name,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError, *DATABASE_ERRORS),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def send_research_log(log_id: int) -> int:
    return publishing.research_log_email(log_id=log_id)


@shared_task(
    name="writing.tasks.draft_first_week",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def draft_first_week() -> int | None:
    """A first draft on a fresh install, once topics exist (see drafting.draft_first)."""
    draft = drafting.draft_first()
    return draft.pk if draft else None
