"""The ledger's recovery rules, the transport's honesty about outcomes, stats and webhooks."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from mailing.models import Delivery, Edition, SendLease, Subscriber
from mailing.services import leases, sending
from mailing.services.leases import INTERRUPTED, LEASE_LOST
from mailing.services.sending import OutcomeUnknown
from papers.models import TrendingSignal
from tests.mailing.conftest import Mailbox
from tests.mailing.factories import SubscriberFactory
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 6)


@pytest.fixture
def edition() -> Edition:
    paper = PaperFactory(title_text="The one paper")
    TrendingSignal.objects.create(source="hf", day=DAY, paper=paper, rank=1, upvotes=5)
    for n in range(4):
        SubscriberFactory(email=f"l{n}@example.org")
    return sending.edition_daily_digest(day=DAY)


def claim_and_stop(edition: Edition, *, task_id: str = "killed-task") -> list[int]:
    """The state a worker killed right after claiming leaves: rows claimed, a lease."""
    from mailing.services.sending import _batch_claim, _claim_token

    (batch,) = sending.edition_prepare(edition=edition)
    _batch_claim(edition_id=edition.pk, delivery_ids=batch, token=_claim_token(task_id))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"claimed"}
    return batch


def lease_runs_out() -> None:
    """Time passes: every claim is older than its lease."""
    expired = timezone.now() - timedelta(seconds=2 * settings.DIGEST_MAIL_LEASE_S + 60)
    Delivery.objects.exclude(claimed_at=None).update(claimed_at=expired)


def test_the_send_lease_table_is_unlogged_so_a_crash_empties_it() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'digest_sendlease'")
        assert cursor.fetchone() == ("u",)


def test_claimed_rows_of_a_stopped_batch_stay_with_it_while_its_lease_runs(
    mailbox: Mailbox, edition: Edition
) -> None:
    claim_and_stop(edition)
    assert sending.edition_prepare(edition=edition) == []
    assert leases.deliveries_sweep() == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"claimed"}
    assert mailbox.messages == []


def test_claimed_rows_of_a_stopped_batch_are_queued_by_the_sweep_when_its_lease_runs_out(
    mailbox: Mailbox, edition: Edition
) -> None:
    batch = claim_and_stop(edition)
    lease_runs_out()
    (swept,) = leases.deliveries_sweep()
    assert (swept.edition_id, swept.batches) == (edition.pk, [batch])
    assert leases.deliveries_sweep() == []  # queued once, not on every sweep
    for queued in swept.batches:
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=queued, claim_key="sweep")
    assert len(mailbox.messages) == 4
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DONE
    assert leases.deliveries_sweep() == []
    assert not SendLease.objects.exists()


def test_a_redelivered_batch_takes_back_what_its_killed_run_claimed_at_once(
    mailbox: Mailbox, edition: Edition
) -> None:
    batch = claim_and_stop(edition, task_id="task-7")
    result = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch, claim_key="task-7")
    assert result.sent == 4
    assert len(mailbox.messages) == 4
    other = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch, claim_key="task-8")
    assert other.sent == 0


def test_another_batch_cannot_take_rows_a_live_lease_holds(
    mailbox: Mailbox, edition: Edition
) -> None:
    batch = claim_and_stop(edition, task_id="task-7")
    other = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch, claim_key="task-8")
    assert other.sent == 0 and mailbox.messages == []


def test_claimed_rows_whose_lease_a_database_crash_erased_are_failed_not_resent(
    mailbox: Mailbox, edition: Edition
) -> None:
    claim_and_stop(edition)
    SendLease.objects.all().delete()  # what crash recovery does to an unlogged table
    lease_runs_out()
    assert sending.edition_prepare(edition=edition) == []
    assert mailbox.messages == []
    assert set(Delivery.objects.values_list("status", "error")) == {("failed", LEASE_LOST)}
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DONE


def test_a_batch_running_twice_at_once_sends_each_message_once(
    mailbox: Mailbox, edition: Edition
) -> None:
    (batch,) = sending.edition_prepare(edition=edition)
    first = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    second = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    assert (first.sent, second.sent) == (4, 0)
    assert len(mailbox.messages) == 4


def test_a_connection_lost_after_the_message_went_out_is_never_resent(
    mailbox: Mailbox, edition: Edition, monkeypatch: pytest.MonkeyPatch
) -> None:
    accept = type(mailbox).handle_DATA

    async def drop_the_second(self, server, session, envelope):  # type: ignore[no-untyped-def]
        answer = await accept(self, server, session, envelope)
        if len(self.messages) == 2:
            server.transport.close()  # accepted, but the client never hears "250"
        return answer

    monkeypatch.setattr(type(mailbox), "handle_DATA", drop_the_second)
    (batch,) = sending.edition_prepare(edition=edition)
    with pytest.raises(OutcomeUnknown):
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    monkeypatch.undo()
    states = dict(Delivery.objects.values_list("pk", "status"))
    assert [states[pk] for pk in batch] == ["sent", "failed", "pending", "pending"]
    assert Delivery.objects.get(pk=batch[1]).error.startswith(INTERRUPTED)
    for retry in sending.edition_prepare(edition=edition):  # the task's retry
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=retry)
    received = sorted(m["X-Envelope-To"] for m in mailbox.messages)
    assert received == sorted(f"l{n}@example.org" for n in range(4))  # each exactly once


def test_an_address_the_fast_path_cannot_write_goes_through_djangos_encoder(
    mailbox: Mailbox, edition: Edition
) -> None:
    Subscriber.objects.filter(email="l0@example.org").update(email="l0@b\u00fccher.example")
    for batch in sending.edition_prepare(edition=edition):
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    assert "l0@xn--bcher-kva.example" in {m["X-Envelope-To"] for m in mailbox.messages}
    assert Delivery.objects.filter(status="sent").count() == 4


def test_the_admin_shows_each_editions_sent_failed_bounced_counts(edition: Edition) -> None:
    statuses = ["sent", "sent", "failed", "bounced"]
    sending.edition_prepare(edition=edition)
    for delivery, status in zip(Delivery.objects.order_by("pk"), statuses, strict=True):
        Delivery.objects.filter(pk=delivery.pk).update(status=status)
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/mailing/edition/").content.decode()
    for column, count in (("sent", 2), ("failed", 1), ("bounced", 1), ("pending", 0)):
        assert f'<td class="field-{column}">{count}</td>' in page, column
    # The page's address before the models moved to the mailing app still leads there.
    old = client.get("/admin/digest/edition/?status__exact=done")
    assert (old.status_code, old["Location"]) == (301, "/admin/mailing/edition/?status__exact=done")


def post_postmark(payload: dict[str, object], settings: object) -> int:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "pm:secret"}  # type: ignore[attr-defined]
    auth = base64.b64encode(b"pm:secret").decode()
    response = Client().post(
        "/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    return response.status_code


@pytest.mark.parametrize(
    ("payload", "deactivated"),
    [
        ({"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1}, True),
        ({"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512}, True),
        ({"RecordType": "Bounce", "Type": "SoftBounce", "TypeCode": 4096}, False),
    ],
)
def test_the_providers_bounce_and_complaint_webhook_deactivates_the_address(
    settings: object, payload: dict[str, object], deactivated: bool
) -> None:
    reader = SubscriberFactory(email="Reader@example.org")
    edition = Edition.objects.create(kind="daily_digest", key="daily-x", subject="x")
    delivery = Delivery.objects.create(
        subscriber=reader, edition=edition, status="sent", provider_message_id="pm-123"
    )
    event = {**payload, "MessageID": "pm-123", "Email": "reader@example.org", "ID": 42}
    assert post_postmark(event, settings) == 200
    reader.refresh_from_db()
    delivery.refresh_from_db()
    assert (reader.deactivated_at is not None) is deactivated
    assert delivery.status == ("sent" if payload["RecordType"] == "SpamComplaint" else "bounced")


def test_a_webhook_without_the_secret_changes_nothing(settings: object) -> None:
    reader = SubscriberFactory(email="reader@example.org")
    settings.ANYMAIL = {"WEBHOOK_SECRET": "pm:secret"}  # type: ignore[attr-defined]
    response = Client().post(
        "/anymail/postmark/tracking/",
        json.dumps({"RecordType": "Bounce", "Type": "HardBounce", "Email": "reader@example.org"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.deactivated_at is None
