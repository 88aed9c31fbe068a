"""A worker killed mid-batch (SIGKILL), then the edition re-run: no reader gets two emails.

Its own module: no other worker may be listening on the mail queue while it runs.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from mailing.models import Delivery
from mailing.tasks import send_daily_digest
from tests.helpers.celery_worker import CeleryWorker
from tests.mailing.conftest import Mailbox, SMTPServer
from tests.mailing.factories import SubscriberFactory
from tests.papers.factories import PaperFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

DAY = date(2026, 6, 4)


def test_a_worker_killed_mid_batch_then_retried_sends_each_reader_exactly_one_email(
    smtp_server: SMTPServer, mailbox: Mailbox
) -> None:
    PaperFactory(title_text="Only paper", announced_on=DAY, categories=["cs.CL"])
    readers = [SubscriberFactory(email=f"k{n}@example.org").email for n in range(6)]
    mailbox.delay_s = 1.0  # the server accepts each message, then answers slowly
    env = {"EMAIL_URL": smtp_server.url, "DEFAULT_FROM_EMAIL": "d@digest.example.org"}
    with CeleryWorker(queues=("mail",), **env) as worker:
        send_daily_digest.delay(DAY.isoformat())
        mailbox.wait_for(3)
        worker.kill()  # mid-batch, while the third message waits for its "250"
    # Two sent, the third handed over with no answer yet, three taken by the batch but
    # never attempted: those go back to pending on the re-run, the third never does.
    states = sorted(Delivery.objects.values_list("status", flat=True))
    assert states == ["claimed"] * 3 + ["sending"] + ["sent"] * 2
    mailbox.delay_s = 0.0
    with CeleryWorker(queues=("mail",), **env):
        send_daily_digest.delay(DAY.isoformat()).get(timeout=30)
        deadline = time.monotonic() + 30
        while Delivery.objects.filter(status="pending").exists():
            assert time.monotonic() < deadline, "the re-run did not finish"
            time.sleep(0.1)
        mailbox.wait_for(len(readers))
        time.sleep(1)  # room for a duplicate to show up, were one sent
    received = sorted(m["X-Envelope-To"] for m in mailbox.messages)
    assert received == sorted(readers)  # each exactly once, the interrupted one included
    assert Delivery.objects.filter(status="sent").count() == 5
    assert Delivery.objects.filter(status="sending").count() == 1  # never resent
