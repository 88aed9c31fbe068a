"""The harvest pipeline end to end: commands, the bundled sample, tasks in a real worker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from digest.celery import app
from papers.models import AnnouncementDay, HarvestRun, Paper, TrendingSignal
from papers.tasks import harvest_hf
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.recorded_server import recorded_server
from tests.helpers.waiting import BACKGROUND_CEILING_S

HF_FIXTURE = (
    Path(__file__).parent.parent / "fixtures/hf_daily_papers/hf_daily_papers_2026-06-12.json"
)


@pytest.mark.django_db
def test_load_sample_fills_the_app_with_today_this_week_and_trending() -> None:
    call_command("load_sample", verbosity=0)
    today = timezone.now().date()
    assert Paper.objects.filter(is_complete=True, metadata_source="sample").count() == 6633
    assert Paper.objects.filter(announced_on=today).exists()
    assert Paper.objects.filter(announced_on__gt=today - timezone.timedelta(days=7)).count() > 500
    # The recorded list's 30 papers are spread: 10 trend today, 10 earlier this week, 10
    # earlier this month, one signal each (see papers/harvest/sample.py).
    assert TrendingSignal.objects.filter(day=today).count() == 10
    assert TrendingSignal.objects.filter(day__gt=today - timezone.timedelta(days=7)).count() == 20
    assert TrendingSignal.objects.count() == 30
    assert AnnouncementDay.objects.filter(day=today).exists()
    run = HarvestRun.objects.get(source="sample")
    assert (run.status, run.new, run.failed) == ("succeeded", 6633 + 30, 0)


@pytest.mark.django_db
def test_loading_the_sample_twice_adds_nothing() -> None:
    call_command("load_sample", verbosity=0)
    call_command("load_sample", verbosity=0)
    assert HarvestRun.objects.filter(source="sample").count() == 1
    call_command("load_sample", "--force", verbosity=0)
    rerun = HarvestRun.objects.filter(source="sample").first()
    assert (rerun.new, rerun.updated, rerun.unchanged) == (0, 0, 6633 + 30)
    # 21 of the 30 trending papers are in the listings; the other 9 are stubs to complete.
    assert (Paper.objects.count(), Paper.objects.filter(is_complete=False).count()) == (6642, 9)


@pytest.mark.django_db
def test_harvesting_without_network_fails_clearly_and_writes_nothing(settings, monkeypatch):
    settings.HF_API_URL = "http://127.0.0.1:9/api/daily_papers"  # nothing listens on port 9
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with pytest.raises(CommandError) as failure:
        call_command("harvest", "hf", "--date", "2026-06-12", verbosity=0)
    message = str(failure.value)
    assert "failed" in message and "ConnectionError" in message
    assert "run the same command again to resume" in message
    assert Paper.objects.count() == 0
    assert HarvestRun.objects.get().status == "failed"


@pytest.mark.django_db
def test_a_malformed_date_argument_is_refused_before_any_request() -> None:
    with pytest.raises(CommandError, match="--date must be a date like"):
        call_command("harvest", "hf", "--date", "12/06/2026", verbosity=0)
    assert HarvestRun.objects.count() == 0


@pytest.mark.django_db
def test_harvest_status_shows_runs_and_completeness(capsys) -> None:
    call_command("load_sample", verbosity=0)
    call_command("harvest", "status", "--days", "2")
    out = capsys.readouterr().out
    assert "sample    succeeded" in out
    assert "100.0%" in out


def test_every_beat_entry_names_a_registered_task() -> None:
    import importlib

    for module in (
        "digest.tasks",
        "mailing.tasks",
        "writing.tasks",
        "papers.tasks",
        "search.tasks",
    ):
        importlib.import_module(module)  # importing registers the tasks

    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_hf_task_runs_in_a_worker_and_a_repeated_message_adds_nothing() -> None:
    routes = {"/api/daily_papers": (200, HF_FIXTURE.read_bytes(), "application/json")}
    with recorded_server(routes) as (base_url, requested):
        env = {"HF_API_URL": f"{base_url}/api/daily_papers"}
        with CeleryWorker(queues=("harvest",), **env):
            first = harvest_hf.delay({"date": "2026-06-12"}).get(timeout=BACKGROUND_CEILING_S)
            second = harvest_hf.delay({"date": "2026-06-12"}).get(timeout=BACKGROUND_CEILING_S)
    assert len(requested) == 2
    assert TrendingSignal.objects.filter(day="2026-06-12").count() == 30
    runs = HarvestRun.objects.in_bulk([first, second])
    assert (runs[first].new, runs[second].new, runs[second].unchanged) == (30, 0, 30)


def test_the_daily_pipeline_runs_harvests_then_indexing_then_embedding() -> None:
    from digest.pipeline import daily_pipeline

    names = [task.task for task in daily_pipeline().tasks]
    assert names[:3] == [
        "papers.tasks.harvest_rss",
        "papers.tasks.harvest_arxiv",
        "papers.tasks.harvest_reconcile",
    ]
    assert [t.task for t in daily_pipeline().tasks[3:]] == [
        "search.tasks.bm25_index",
        "papers.tasks.queue_embeddings",
    ]
    then = daily_pipeline().tasks[-1].kwargs["then"]
    assert [t["task"] for t in then["kwargs"]["tasks"]] == [
        "papers.tasks.topics_for_new_weeks",
        "writing.tasks.draft_first_week",
    ]
