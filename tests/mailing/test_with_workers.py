"""End to end through real worker processes and the real SMTP server in this process."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from mailing.models import Subscriber
from mailing.tasks import send_daily_digest
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.waiting import BACKGROUND_CEILING_S
from tests.mailing.conftest import Mailbox
from tests.mailing.mail_helpers import links, parts, site_path, unsubscribe_targets
from tests.papers.factories import PaperFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

DAY = date(2026, 6, 3)


@pytest.fixture
def papers_of_the_day() -> None:
    for n in range(3):
        PaperFactory(title_text=f"Announced paper {n}", announced_on=DAY, categories=["cs.CL"])


def wait_until(predicate, timeout: float = BACKGROUND_CEILING_S) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_confirm_receive_unsubscribe(
    mail_worker: CeleryWorker, mailbox: Mailbox, papers_of_the_day: None
) -> None:
    client = Client()
    client.post(reverse("subscribe"), {"email": "flow@example.org", "daily_digest": "on"})
    (confirmation,) = mailbox.wait_for(1)
    assert confirmation["To"] == "flow@example.org"

    send_daily_digest.delay(DAY.isoformat()).get(timeout=BACKGROUND_CEILING_S)
    time.sleep(0.5)
    assert len(mailbox.messages) == 1  # nothing before confirmation

    confirm = next(url for url in links(confirmation) if "/confirm/" in url)
    assert client.post(site_path(confirm)).status_code == 200
    send_daily_digest.delay(DAY.isoformat()).get(timeout=BACKGROUND_CEILING_S)
    digest = mailbox.wait_for(2)[1]
    assert digest["Subject"] == "Trending papers, Wed 3 Jun 2026"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Announced paper 0" in parts(digest)[0]
    for url in links(digest):
        assert client.get(site_path(url)).status_code == 200, url

    https, _ = unsubscribe_targets(digest)
    one_click = Client(enforce_csrf_checks=True)  # as a mail provider posts it
    response = one_click.post(site_path(https), "List-Unsubscribe=One-Click",
                              content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    assert Subscriber.objects.get(email="flow@example.org").daily_digest is False
    send_daily_digest.delay(DAY.isoformat()).get(timeout=BACKGROUND_CEILING_S)
    time.sleep(0.5)
    assert len(mailbox.messages) == 2  # the re-run sends nothing more
