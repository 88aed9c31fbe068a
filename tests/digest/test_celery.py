from __future__ import annotations

import os

import pytest
from django.conf import settings

from digest.tasks import echo
from tests.helpers.waiting import BACKGROUND_CEILING_S


def test_the_test_profile_uses_redis_not_eager_mode() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_TASK_ACKS_LATE is True


@pytest.mark.celery_worker
def test_a_task_runs_in_a_real_worker_process_over_redis(celery_worker_process) -> None:
    result = echo.delay("hello").get(timeout=BACKGROUND_CEILING_S)
    assert result["value"] == "hello"
    assert result["pid"] != os.getpid()


def test_tasks_are_routed_to_named_queues() -> None:
    from digest.celery import app

    router = app.amqp.router
    assert router.route({}, "papers.tasks.harvest_arxiv")["queue"].name == "harvest"
    assert router.route({}, "papers.tasks.embed_papers")["queue"].name == "embed"
    assert router.route({}, "digest.tasks.send_daily_digest")["queue"].name == "mail"
    assert router.route({}, "digest.tasks.echo")["queue"].name == "default"


def test_the_visibility_timeout_outlasts_every_task_s_time_limit_and_no_more_than_needed() -> None:
    """Redis hands an unacknowledged message to another worker after the visibility
    timeout: shorter than a task may run and a slow task runs twice; far longer and a
    crashed worker's task waits hours (kombu's default is 6 h)."""
    from digest.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    limits = {name: task.time_limit or app.conf.task_time_limit for name, task in ours.items()}
    visibility = app.conf.broker_transport_options["visibility_timeout"]

    assert len(limits) > 10 and all(limits.values()), "a task without a time limit"
    assert max(limits.values()) < visibility <= max(limits.values()) + 10 * 60
    assert visibility < 6 * 3600 / 5
