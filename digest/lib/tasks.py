"""Celery helpers shared by the apps' tasks and services."""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Any

from celery import current_app
from celery.signals import worker_init, worker_shutting_down
from django.db import InterfaceError, OperationalError, transaction

# The database went away (a restart, a failover): worth retrying. Every task lists these
# in its decorator's autoretry_for; the services it calls are idempotent, so a retry
# redoes nothing twice.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class TaskRef:
    """A task by its registered name, for the services that queue it.

    An app's ``tasks`` module imports its services (a task calls one), so a service that
    queues a follow-up task names it instead of importing it back, as the beat schedule
    does. The task's decorator takes its name from here, so the two cannot drift apart.
    """

    name: str

    def send(self, *args: Any) -> str:
        """Queue the task now; the id of its result."""
        return str(current_app.send_task(self.name, args=args).id)

    def send_on_commit(self, *args: Any) -> None:
        """Queue the task once the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.send(*args))


# Set in the worker's main process when its warm shutdown begins (SIGTERM, Ctrl-C); made
# before the prefork pool forks, so every pool process sees it. A long task checks it
# between steps and hands its remaining work back to the queue instead of holding the
# shutdown up or being killed mid-write.
_stopping: Any = None


@worker_init.connect
def _make_stop_flag(**kwargs: Any) -> None:
    global _stopping
    _stopping = multiprocessing.Event()


@worker_shutting_down.connect
def _raise_stop_flag(**kwargs: Any) -> None:
    if _stopping is not None:
        _stopping.set()


def worker_stopping() -> bool:
    """True once the worker this runs in has begun to shut down (always False outside one)."""
    return _stopping is not None and bool(_stopping.is_set())
