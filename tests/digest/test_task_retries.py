"""Retries are declared once, on each task's decorator, and Celery carries them out.

Every task names what it retries on (``autoretry_for``), the backoff, its jitter and a
retry budget in its decorator; no task computes its own countdown. A harvest that fails
is retried by Celery's own mechanism with a growing, capped wait, and by a real worker
until the source recovers.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import responses
from celery.exceptions import Retry
from celery.signals import task_retry

from digest.celery import app
from papers.harvest.hf import HF_API_URL
from papers.models import HarvestRun, TrendingSignal
from papers.tasks import HarvestFailed, harvest_hf
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.recorded_server import recorded_server
from tests.helpers.waiting import BACKGROUND_CEILING_S

ROOT = Path(__file__).resolve().parent.parent.parent
TASK_MODULES = ["digest.tasks", "papers.tasks", "search.tasks", "mailing.tasks", "writing.tasks"]
DECLARED = ("autoretry_for", "retry_backoff", "retry_jitter", "max_retries", "acks_late")
# The worker probe answers at once or not at all: a retry would hide a dead worker.
NOT_RETRIED = {"digest.tasks.echo"}
HF_FIXTURE = ROOT / "tests/fixtures/hf_daily_papers/hf_daily_papers_2026-06-12.json"
PARAMS = {"date": "2026-06-12"}


def our_tasks() -> dict[str, type]:
    for module in TASK_MODULES:
        importlib.import_module(module)  # importing registers the tasks
    return {name: type(task) for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_declares_its_retries_on_its_decorator() -> None:
    tasks = our_tasks()
    assert len(tasks) > 15
    undeclared = {
        name: [option for option in DECLARED if option not in vars(task)]
        for name, task in tasks.items()
        if name not in NOT_RETRIED
    }
    assert {name: missing for name, missing in undeclared.items() if missing} == {}
    for name, task in tasks.items():
        if name in NOT_RETRIED:
            continue
        assert task.autoretry_for and all(issubclass(e, Exception) for e in task.autoretry_for)
        assert task.retry_backoff >= 30 and task.retry_jitter is True, name
        assert 1 <= task.max_retries <= 8 and task.acks_late is True, name


def test_no_task_module_computes_its_own_retry_countdown() -> None:
    """The one call to ``retry`` is the daily send's wait for the harvest (not a backoff)."""
    calls = []
    for module in TASK_MODULES:
        path = ROOT / (module.replace(".", "/") + ".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "retry":
                calls.append(f"{module}:{node.lineno}")
    assert len(calls) == 1 and calls[0].startswith("mailing.tasks:")


@pytest.mark.django_db
def test_a_failing_harvest_is_retried_with_growing_capped_waits_then_given_up() -> None:
    """Celery's own retry path: ``apply`` runs each attempt here, as a worker would after
    the wait each retry announces (``task_retry``)."""
    waits: list[float] = []

    def on_retry(reason: Retry, **kwargs: object) -> None:
        waits.append(float(reason.when))

    task_retry.connect(on_retry, weak=False)
    try:
        with responses.RequestsMock() as rsps:
            rsps.get(HF_API_URL, body=b'{"error": "bad request"}', status=400)
            result = harvest_hf.apply(args=(PARAMS,))
            attempts = len(rsps.calls)
    finally:
        task_retry.disconnect(on_retry)

    assert result.state == "FAILURE" and isinstance(result.result, HarvestFailed)
    assert "HTTP 400" in str(result.result)
    assert attempts == 6 and len(waits) == 5  # the first try and max_retries=5 retries
    caps = [60, 120, 240, 480, 960]
    assert all(0 <= wait <= cap for wait, cap in zip(waits, caps, strict=True)), waits
    assert set(HarvestRun.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_a_harvest_until_the_source_recovers() -> None:
    unavailable = (503, b"Service Unavailable", "text/plain", {"Retry-After": "0"})
    recovered = (200, HF_FIXTURE.read_bytes(), "application/json")
    # The client's own five attempts all fail; the task's first retry finds it back.
    routes = {"/api/daily_papers": [unavailable] * 5 + [recovered]}
    with recorded_server(routes) as (base_url, requested):
        env = {"HF_API_URL": f"{base_url}/api/daily_papers"}
        with CeleryWorker(queues=("harvest",), **env):
            run_id = harvest_hf.delay(PARAMS).get(timeout=BACKGROUND_CEILING_S)

    assert len(requested) == 6
    run = HarvestRun.objects.get(pk=run_id)
    assert (run.status, run.new) == (HarvestRun.Status.SUCCEEDED, 30)
    assert TrendingSignal.objects.filter(day="2026-06-12").count() == 30
