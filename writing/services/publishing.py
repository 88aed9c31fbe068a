"""Scheduling and publishing: a draft becomes "Research Log #N" exactly once.

Publishing claims the draft with a conditional UPDATE (``status`` still draft or
scheduled → published); a second publish, a retried task or a beat run racing an editor's
click finds nothing to claim and returns the log already made. Log numbers are taken
under a transaction-scoped advisory lock, so two drafts published at once get N and N+1,
and the unique constraint on the number holds the line if anything slips past it.
The email edition is enqueued only once the log is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from digest.lib.tasks import TaskRef
from mailing.services.sending import edition_send_weekly_log
from writing.markdown import (
    draft_markdown,
    email_html,
    log_title,
    markdown_to_text,
    plain_summary,
    render_markdown,
)
from writing.models import Draft, DraftItem, ResearchLog
from writing.services.revisions import draft_bump, revision_record

logger = logging.getLogger(__name__)

# Queued by name: writing.tasks imports this module (see digest.lib.tasks.TaskRef).
SEND_RESEARCH_LOG = TaskRef("digest.tasks.send_research_log")

_NUMBER_LOCK = 0x52444C4F47  # "RDLOG": serialises log numbering across processes


class PublishBlocked(Exception):
    """The draft cannot be published yet; ``reasons`` says why, for the editor."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def publish_blockers(*, draft: Draft) -> list[str]:
    """Why the draft cannot be published now; empty when it can."""
    reasons = []
    if draft.generation in (Draft.Generation.QUEUED, Draft.Generation.RUNNING):
        reasons.append("the draft is still being written")
    items = list(draft.items.select_related("paper"))
    if not items:
        reasons.append("the draft has no papers")
    for item in items:
        name = item.paper.arxiv_id if item.paper else f"“{item.heading}”"
        if item.origin == DraftItem.Origin.PENDING:
            reasons.append(f"the section on {name} is not written yet")
        elif item.is_blocked:
            facts = ", ".join(_finding(f) for f in item.blocking_flags)
            reasons.append(f"unresolved findings in the section on {name}: {facts}")
    if draft.is_blocked:
        facts = ", ".join(_finding(f) for f in draft.flags if f.get("blocking", True))
        reasons.append(f"unresolved findings in the introduction, overview or closing: {facts}")
    return reasons


def _finding(flag: Mapping[str, object]) -> str:
    return f"{flag['text']} ({flag['kind']})"


def draft_schedule(*, draft_id: int, expected_version: int, at: datetime, user: User) -> Draft:
    """Publish the draft at ``at`` (the beat task ``publish_due_logs`` does it)."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft_id)
        if draft.status == Draft.Status.PUBLISHED:
            raise PublishBlocked(["the draft is already published"])
        if reasons := publish_blockers(draft=draft):
            raise PublishBlocked(reasons)
        draft = draft_bump(
            draft_id=draft_id,
            expected_version=expected_version,
            status=Draft.Status.SCHEDULED,
            scheduled_at=at,
            publish_error="",
            updated_by=user,
        )
        revision_record(draft=draft, author=user, note=f"scheduled for {at:%Y-%m-%d %H:%M}")
        return draft


def draft_unschedule(*, draft_id: int, expected_version: int, user: User) -> Draft:
    with transaction.atomic():
        Draft.objects.select_for_update().get(pk=draft_id)
        draft = draft_bump(
            draft_id=draft_id,
            expected_version=expected_version,
            status=Draft.Status.DRAFT,
            scheduled_at=None,
            updated_by=user,
        )
        revision_record(draft=draft, author=user, note="unscheduled")
        return draft


def draft_publish(*, draft_id: int, user: User | None = None) -> ResearchLog:
    """Publish now; publishing a published draft returns its log and does nothing else."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft_id)
        if draft.status == Draft.Status.PUBLISHED:
            return ResearchLog.objects.get(draft=draft)
        if reasons := publish_blockers(draft=draft):
            raise PublishBlocked(reasons)
        now = timezone.now()
        claimed = Draft.objects.filter(
            pk=draft_id, status__in=[Draft.Status.DRAFT, Draft.Status.SCHEDULED]
        ).update(status=Draft.Status.PUBLISHED, published_at=now, publish_error="")
        if not claimed:
            return ResearchLog.objects.get(draft=draft)
        log = _log_create(draft=draft, published_at=now)
        draft = draft_bump(draft_id=draft_id, expected_version=None, updated_by=user)
        revision_record(draft=draft, author=user, note=f"published as {log.display_number}")
        SEND_RESEARCH_LOG.send_on_commit(log.pk)
        return log


def _log_create(*, draft: Draft, published_at: datetime) -> ResearchLog:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK])
    number = (ResearchLog.objects.aggregate(last=Max("number"))["last"] or 0) + 1
    items = list(draft.items.select_related("paper").order_by("position", "id"))
    body = draft_markdown(draft=draft, items=items, number=number)
    log = ResearchLog.objects.create(
        draft=draft,
        number=number,
        slug=f"{number}-{slugify(draft.theme or draft.title)[:80] or 'research-log'}",
        title=draft.title,
        theme=draft.theme,
        summary=plain_summary(draft=draft, items=items)[:1000],
        body_md=body,
        body_html=render_markdown(body),
        published_at=published_at,
    )
    log.papers.set([item.paper for item in items if item.paper is not None])
    return log


def logs_publish_due(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled draft whose time has come; a blocked one goes back to draft."""
    now = now or timezone.now()
    published = []
    due = Draft.objects.filter(status=Draft.Status.SCHEDULED, scheduled_at__lte=now)
    for draft_id in due.values_list("pk", flat=True):
        try:
            published.append(draft_publish(draft_id=draft_id).number)
        except PublishBlocked as exc:
            logger.warning("scheduled draft %s not published: %s", draft_id, exc)
            Draft.objects.filter(pk=draft_id, status=Draft.Status.SCHEDULED).update(
                status=Draft.Status.DRAFT,
                publish_error=f"Not published at the scheduled time: {exc}",
                version=F("version") + 1,
            )
    return published


def research_log_email(*, log_id: int) -> int:
    """Send a published log to the weekly list, once per log (the edition key)."""
    log = ResearchLog.objects.get(pk=log_id)
    web = f"{settings.SITE_URL}{reverse('research_log', args=[log.slug])}"
    date = f"{log.published_at:%-d %B %Y}"
    edition = edition_send_weekly_log(
        key=f"log-{log.number}",
        subject=log_title(number=log.number, title=log.title),
        html=email_html(body_html=log.body_html, web_url=web, date=date),
        text=f"{date} · Read on the web: {web}\n\n"
        + markdown_to_text(log.body_md, site_url=settings.SITE_URL),
    )
    return edition.pk
