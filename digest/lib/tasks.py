"""Celery options shared by the apps' tasks."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError

# A task that lost its database connection (a restart, a failover) retries with backoff;
# the services it calls are idempotent, so a retry redoes nothing twice.
DATABASE_RETRY: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 5,
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
}
