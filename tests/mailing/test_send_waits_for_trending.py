"""The daily send waits for the day's trending harvest, or for the cut-off, whichever first."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from celery.exceptions import Retry
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from mailing.models import Edition
from mailing.selectors import daily_digest_wait_s
from mailing.tasks import send_daily_digest
from papers.models import HarvestRun, TrendingSignal
from tests.helpers.celery_worker import CeleryWorker
from tests.mailing.conftest import Mailbox, SMTPServer
from tests.mailing.factories import SubscriberFactory
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 2)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, 2, hour, minute, tzinfo=UTC)


def _harvested(day: date, status: str = "succeeded", hour: int = 6) -> None:
    """A Hugging Face run for ``day`` that started at ``hour``:15 UTC that day."""
    run = HarvestRun.objects.create(source="hf", status=status, params={"date": day.isoformat()})
    started = datetime.combine(day, datetime.min.time(), UTC).replace(hour=hour, minute=15)
    HarvestRun.objects.filter(pk=run.pk).update(started_at=started)


def test_before_the_harvest_it_waits_a_poll_at_most_and_never_past_the_cut_off(
    settings: SettingsWrapper,
) -> None:
    settings.DIGEST_SEND_CUTOFF, settings.DIGEST_SEND_POLL_S = "10:00", 600
    _harvested(date(2026, 6, 1))  # yesterday's list does not count
    _harvested(DAY, status="failed")
    _harvested(DAY, hour=0)  # the night's run sees an almost empty list: it does not count

    assert daily_digest_wait_s(day=DAY, now=_at(7)) == 600
    assert daily_digest_wait_s(day=DAY, now=_at(9, 55)) == 300  # to the cut-off
    assert daily_digest_wait_s(day=DAY, now=_at(10)) == 0  # cut-off: send what there is


def test_once_the_days_list_is_harvested_it_sends_at_once() -> None:
    _harvested(DAY)

    assert daily_digest_wait_s(day=DAY, now=_at(7)) == 0


def test_called_before_the_harvest_the_task_asks_to_be_retried(settings: SettingsWrapper) -> None:
    settings.DIGEST_SEND_CUTOFF = "23:59"
    today = timezone.now().date()

    with pytest.raises(Retry):
        send_daily_digest(today.isoformat())
    assert not Edition.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_in_a_worker_the_send_waits_then_goes_out_once_the_harvest_is_in(
    smtp_server: SMTPServer, mailbox: Mailbox
) -> None:
    today = timezone.now().date()
    SubscriberFactory(email="reader@example.org")
    TrendingSignal.objects.create(source="hf", day=today, paper=PaperFactory(), rank=1, upvotes=9)
    env = {"EMAIL_URL": smtp_server.url, "DIGEST_SEND_CUTOFF": "23:59", "DIGEST_SEND_POLL_S": "1"}
    with CeleryWorker(queues=("mail",), **env):
        send_daily_digest.delay(today.isoformat())
        time.sleep(3)  # three polls: no harvest yet, so nothing
        assert not Edition.objects.exists() and mailbox.messages == []
        _harvested(today)
        (digest,) = mailbox.wait_for(1)
    assert digest["To"] == "reader@example.org"
    assert Edition.objects.get().day == today
