"""Reads of the papers app."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from papers.models import AnnouncementDay, HarvestRun


def harvest_runs_recent(*, limit: int = 20) -> QuerySet[HarvestRun]:
    return HarvestRun.objects.order_by("-started_at")[:limit]


def announcement_days_recent(*, days: int = 7, today: date) -> QuerySet[AnnouncementDay]:
    """Completeness per announcement day and category, newest first."""
    return AnnouncementDay.objects.filter(day__gt=today - timedelta(days=days)).order_by(
        "-day", "category"
    )
