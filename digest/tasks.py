"""Celery entry points of the editorial app. Tasks stay thin: they call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="digest.tasks.echo")
def echo(value: str) -> dict[str, object]:
    """Round-trip a value through a worker: proves a real worker process ran it."""
    import os

    return {"value": value, "pid": os.getpid()}
