"""A mail worker SIGKILLed mid-send: every subscriber still gets exactly one message, and
only the system's own mechanisms (Celery's redelivery, delivery leases) recover it: nothing
is re-run by hand.

30 confirmed subscribers, batches of 10, a real worker on Redis sending to a real SMTP
server (aiosmtpd). The server accepts the 5th message and holds back its "250"; the test
kills the worker in exactly that window, the case where a naive retry sends a duplicate.

Its own module: no other worker may be listening on the mail queue while it runs.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest

from mailing.models import Delivery, Edition
from mailing.tasks import send_daily_digest
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.faults import FaultFigures, fault_record
from tests.mailing.conftest import Mailbox, SMTPServer
from tests.mailing.factories import SubscriberFactory
from tests.papers.factories import PaperFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

DAY = date(2026, 6, 4)
READERS = 30
# Short enough that a crashed worker's message comes back within the test; the time limit
# (longer than a batch of 10 takes) stays under the visibility timeout, as in production.
CRASH_SAFE = {
    "DIGEST_MAIL_BATCH_SIZE": "10",
    "CELERY_TASK_TIME_LIMIT": "20",
    "CELERY_VISIBILITY_TIMEOUT": "25",
    "CELERY_RESTORE_INTERVAL_S": "1",
}


def worker_env(smtp_server: SMTPServer) -> dict[str, str]:
    return {
        "EMAIL_URL": smtp_server.url,
        "DEFAULT_FROM_EMAIL": "d@digest.example.org",
        **CRASH_SAFE,
    }


def readers() -> list[str]:
    PaperFactory(title_text="Only paper", announced_on=DAY, categories=["cs.CL"])
    return [SubscriberFactory(email=f"k{n:02d}@example.org").email for n in range(READERS)]


def wait_until_every_delivery_is_final(timeout: float) -> float:
    started = time.monotonic()
    open_states = ["pending", "claimed", "sending"]
    while (
        not Delivery.objects.exists()
        or Delivery.objects.filter(status__in=open_states).exists()
        or Edition.objects.filter(status="sending").exists()
    ):
        states = dict(Counter(Delivery.objects.values_list("status", flat=True)))
        assert time.monotonic() - started < timeout, f"not recovered: {states}"
        time.sleep(0.2)
    time.sleep(1.5)  # room for a duplicate to show up, were one sent
    return time.monotonic() - started


def figures(
    scenario: str, mailbox: Mailbox, expected: list[str], *, by: str, took: float
) -> Counter[str]:
    received = Counter(m["X-Envelope-To"] for m in mailbox.messages)
    fault_record(
        FaultFigures(
            scenario=scenario, unit="messages", expected=len(expected),
            present=len(set(received) & set(expected)),
            duplicated=sum(count - 1 for count in received.values()),
            recovered_by=by, recovery_s=took,
        )
    )  # fmt: skip
    return received


def test_a_pool_process_killed_mid_send_every_reader_gets_exactly_one_message(
    smtp_server: SMTPServer, mailbox: Mailbox
) -> None:
    expected = readers()
    mailbox.hold(from_message=5)
    with CeleryWorker(queues=("mail",), **worker_env(smtp_server)) as worker:
        send_daily_digest.delay(DAY.isoformat())
        mailbox.wait_for(5)
        worker.kill_pool_child()  # the main process lives, sees its child lost
        mailbox.release()
        took = wait_until_every_delivery_is_final(timeout=120)

    received = figures("kill-mid-send, pool process", mailbox, expected, by="redelivery", took=took)
    assert received == Counter(expected)  # each reader exactly once, the interrupted one too
    assert Delivery.objects.filter(status="sent").count() == READERS - 1
    interrupted = Delivery.objects.get(status="failed")  # its "250" never reached the sender
    assert interrupted.error.startswith("interrupted mid-send")
    assert Edition.objects.get().status == Edition.Status.DONE


def test_a_worker_killed_mid_send_and_restarted_every_reader_gets_exactly_one_message(
    smtp_server: SMTPServer, mailbox: Mailbox
) -> None:
    expected = readers()
    env = worker_env(smtp_server)
    mailbox.hold(from_message=5)
    with CeleryWorker(queues=("mail",), **env) as worker:
        send_daily_digest.delay(DAY.isoformat())
        mailbox.wait_for(5)
        worker.kill_main()  # its unacknowledged message waits out the visibility timeout
        mailbox.release()
        # The supervisor (systemd, docker's restart policy) starts a worker again; the
        # queue is its work, so nothing is purged.
        with CeleryWorker(queues=("mail",), purge=False, **env):
            took = wait_until_every_delivery_is_final(timeout=180)

    received = figures(
        "kill-mid-send, main process", mailbox, expected, by="visibility timeout", took=took
    )
    assert received == Counter(expected)
    assert Delivery.objects.exclude(status__in=["sent", "failed"]).count() == 0
    assert Edition.objects.get().status == Edition.Status.DONE
