"""Editions and the delivery ledger: exactly one email per (subscriber, edition).

A delivery row is written (``pending``) before anything is sent. A batch takes its rows
with one conditional ``UPDATE … RETURNING`` (``pending`` → ``claimed``), committed
durably together with a ``SendLease`` row: one WAL flush per batch. Then, per message,
a conditional UPDATE (``claimed`` → ``sending``) right before the message goes out and
one (``sending`` → ``sent``) right after; these two commit without waiting for the WAL
flush (``synchronous_commit off``). They are visible to every session at once and
survive a killed worker; only a PostgreSQL crash could lose them, and a crash also
empties the unlogged lease table, which is how the next run knows (see ``SendLease``).

So: a retried or redelivered batch skips rows it cannot take and never sends twice. A
claim is a lease (``leases``): a batch whose worker died leaves rows that its redelivered
message takes back at once (the claim token is derived from the task id, the same on
redelivery), and that otherwise return to ``pending`` when the lease runs out, for the
beat sweep to send. A row left ``sending`` (the server may or may not have accepted it),
or ``claimed`` under a lease a crash erased, is never resent (a missing email beats a
duplicate) and is marked ``failed`` so the edition's counts are honest.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.template.loader import render_to_string
from django.utils import timezone

from digest.lib.tasks import TaskRef
from mailing.models import Edition, SendLease, Subscriber
from mailing.picks import day_pool_build
from mailing.services.leases import (
    INTERRUPTED,
    deliveries_expire,
    deliveries_queue,
    edition_finish_if_done,
)
from mailing.services.mail import EditionRenderer, Outgoing

log = logging.getLogger(__name__)

# A redelivered or retried task message has the same task id, so the same claim token.
_CLAIM_NAMESPACE = uuid.UUID("5b0c7a52-3d0e-4c8e-9a53-0a3c1f0e2d71")

# Queued by name: mailing.tasks imports this module (see digest.lib.tasks.TaskRef).
SEND_EDITION_BATCH = TaskRef("digest.tasks.send_edition_batch")

_LIST_FLAG = {Edition.Kind.DAILY_DIGEST: "daily_digest", Edition.Kind.WEEKLY_LOG: "weekly_log"}


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def edition_daily_digest(*, day: date) -> Edition:
    """The day's digest edition, created once with the pool its papers come from frozen."""
    key = f"daily-{day.isoformat()}"
    edition = Edition.objects.filter(key=key).first()
    if edition is not None:
        return edition
    pool = day_pool_build(day=day)
    edition, _ = Edition.objects.get_or_create(
        key=key,
        defaults={
            "kind": Edition.Kind.DAILY_DIGEST,
            "day": day,
            "subject": " ".join(
                render_to_string("mailing/email/daily_digest_subject.txt", {"day": day}).split()
            ),
            "paper_ids": [p.paper_id for p in pool.trending],
            "pool": pool.as_json(),
        },
    )
    return edition


def edition_prepare(*, edition: Edition) -> list[list[int]]:
    """Write the pending ledger rows for every eligible subscriber; return batches to send.

    Safe to call again at any time: existing rows are kept, run-out leases are settled,
    and rows a live batch holds stay with it.
    """
    flag = _LIST_FLAG[Edition.Kind(edition.kind)]
    with db_connection.cursor() as cursor:
        # The flag is one of two column names from the mapping above, never user input.
        cursor.execute(
            f"""
            INSERT INTO digest_delivery
                (subscriber_id, edition_id, status, message_id, provider_message_id, error)
            SELECT s.id, %s, 'pending', '', '', '' FROM digest_subscriber s
            WHERE s.confirmed_at IS NOT NULL AND s.deactivated_at IS NULL
              AND NOT s.paused AND s.{flag}
            ON CONFLICT (subscriber_id, edition_id) DO NOTHING
            """,
            [edition.pk],
        )
    deliveries_expire(edition_id=edition.pk)
    batches = deliveries_queue(edition_id=edition.pk)
    if not batches:
        edition_finish_if_done(edition_id=edition.pk)
    return batches


def edition_send(*, edition: Edition) -> int:
    """Write the edition's ledger and queue one batch task per batch (after commit);
    the number of batches queued."""
    batches = edition_prepare(edition=edition)
    for batch in batches:
        SEND_EDITION_BATCH.send_on_commit(edition.pk, batch)
    return len(batches)


def edition_send_weekly_log(*, key: str, subject: str, html: str, text: str) -> Edition:
    """Send a published log to the weekly list once per ``key`` (e.g. "log-12")."""
    edition, _ = Edition.objects.get_or_create(
        key=key,
        defaults={
            "kind": Edition.Kind.WEEKLY_LOG,
            "subject": subject,
            "body_html": html,
            "body_text": text,
        },
    )
    edition_send(edition=edition)
    return edition


def _wants(subscriber: Subscriber | None, kind: str) -> bool:
    return (
        subscriber is not None
        and subscriber.is_active
        and bool(getattr(subscriber, _LIST_FLAG[Edition.Kind(kind)]))
    )


class NotAccepted(Exception):
    """The mail server certainly did not take the message; ``permanent`` for a 5xx answer."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class OutcomeUnknown(Exception):
    """The connection failed after the message was handed over: it may have been accepted."""


@dataclass
class _Batch:
    """The rows one call took, under one lease, and its marks (async commits)."""

    token: uuid.UUID
    rows: list[tuple[int, Subscriber | None]]
    renewed: float = 0.0

    def renew(self) -> None:
        """Keep the lease on the rows not attempted yet (at most every quarter lease)."""
        if time.monotonic() - self.renewed < settings.DIGEST_MAIL_LEASE_S / 4:
            return
        self.renewed = time.monotonic()
        with db_connection.cursor() as cursor:
            cursor.execute(
                "UPDATE digest_delivery SET claimed_at = now()"
                " WHERE claim_token = %s AND status = 'claimed'",
                [self.token],
            )

    def mark(self, delivery_id: int, *, before: str, after: str, **fields: object) -> bool:
        sets = ", ".join(f"{name} = %s" for name in fields)
        condition = "status = %s" + (" AND claim_token = %s" if before == "claimed" else "")
        params: list[Any] = [after, *fields.values(), delivery_id, before]
        params += [self.token] if before == "claimed" else []
        with db_connection.cursor() as cursor:
            # Column names come from this module's calls, never from input.
            cursor.execute(
                f"UPDATE digest_delivery SET status = %s{', ' if sets else ''}{sets} "
                f"WHERE id = %s AND {condition}",
                params,
            )
            updated: int = cursor.rowcount
            return updated == 1


def _claim_token(claim_key: str | None) -> uuid.UUID:
    return uuid.uuid5(_CLAIM_NAMESPACE, claim_key) if claim_key else uuid.uuid4()


def _batch_claim(*, edition_id: int, delivery_ids: list[int], token: uuid.UUID) -> _Batch:
    """Take the pending rows, and those an earlier run of this same batch claimed, in one
    statement; one durable commit for the batch.

    An earlier run's row left ``sending`` died mid-send: its outcome is unknown, so it is
    failed, not resent.
    """
    deliveries_expire(edition_id=edition_id)
    with transaction.atomic(), db_connection.cursor() as cursor:
        cursor.execute(
            "UPDATE digest_delivery SET status = 'failed', error = %s"
            " WHERE claim_token = %s AND status = 'sending'",
            [INTERRUPTED, token],
        )
        SendLease.objects.get_or_create(token=token)
        cursor.execute(
            """
            UPDATE digest_delivery SET status = 'claimed', claim_token = %s, claimed_at = now()
            WHERE edition_id = %s AND id = ANY(%s)
              AND (status = 'pending' OR (status = 'claimed' AND claim_token = %s))
            RETURNING id, subscriber_id
            """,
            [token, edition_id, delivery_ids, token],
        )
        claimed = sorted(cursor.fetchall())
    subscribers = Subscriber.objects.in_bulk([s for _, s in claimed if s is not None])
    return _Batch(
        token=token, rows=[(d, subscribers.get(s)) for d, s in claimed], renewed=time.monotonic()
    )


def _batch_release(batch: _Batch) -> None:
    """Rows this batch did not get to go back to pending (queued: the task's retry will
    take them); then the lease goes."""
    with db_connection.cursor() as cursor:
        cursor.execute(
            "UPDATE digest_delivery SET status = 'pending', claim_token = NULL, claimed_at = now()"
            " WHERE claim_token = %s AND status = 'claimed'",
            [batch.token],
        )
        cursor.execute("DELETE FROM digest_sendlease WHERE token = %s", [batch.token])


@contextlib.contextmanager
def _async_commits() -> Iterator[None]:
    """Commits of this session stop waiting for the WAL flush (see the module docstring)."""
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def _permanent(exc: smtplib.SMTPException) -> str | None:
    """The reason if the server refused for good (5xx), None if worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {_decoded(text)}" if code >= 500 else None
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return f"{exc.smtp_code} {_decoded(exc.smtp_error)}"
    return None


def _decoded(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text


def _answer(code: int, text: bytes | str) -> NotAccepted:
    return NotAccepted(f"{code} {_decoded(text)}", permanent=code >= 500)


class _Transport:
    """Sends an ``Outgoing`` over the batch's one connection, saying exactly what happened."""

    def __init__(self, backend: BaseEmailBackend, renderer: EditionRenderer) -> None:
        self.backend, self.renderer = backend, renderer
        self.envelope_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

    def send(self, outgoing: Outgoing) -> str:
        """Send; return the provider's message id (if any). Raises NotAccepted/OutcomeUnknown."""
        if not isinstance(self.backend, SMTPBackend):
            return self._send_django(outgoing)
        data = self.renderer.mime(outgoing)
        if data is None:
            return self._send_django(outgoing)
        smtp = self.backend.connection
        if smtp is None:  # the batch opens it before the first send; nothing was sent
            raise NotAccepted("the SMTP connection is not open", permanent=False)
        try:
            smtp.ehlo_or_helo_if_needed()
            code, text = smtp.mail(self.envelope_from)
            if code != 250:
                raise _answer(code, text)
            code, text = smtp.rcpt(outgoing.to)
            if code not in (250, 251):
                raise _answer(code, text)
        except NotAccepted:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.rset()
            raise
        except (smtplib.SMTPException, OSError) as exc:  # before DATA: certainly not taken
            raise NotAccepted(f"connection failed before sending: {exc}", permanent=False) from exc
        try:
            smtp.data(data)
        except smtplib.SMTPDataError as exc:  # a definite answer to the message
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.rset()
            raise _answer(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise OutcomeUnknown(str(exc)) from exc
        return ""

    def _send_django(self, outgoing: Outgoing) -> str:
        message = outgoing.django_message()
        try:
            self.backend.send_messages([message])
        except smtplib.SMTPException as exc:
            reason = _permanent(exc)
            raise NotAccepted(reason or str(exc), permanent=reason is not None) from exc
        except OSError as exc:
            raise NotAccepted(str(exc), permanent=False) from exc
        return _provider_id(message)


def deliveries_send(
    *, edition_id: int, delivery_ids: list[int], claim_key: str | None = None
) -> BatchResult:
    """Send a batch over one connection: claim all, then attempt, send, mark one by one.

    ``claim_key`` (the task id) names the batch across redeliveries and retries, so that
    a run takes back what an earlier, killed run of it claimed. A transient failure hands
    the unsent rows back and raises, for the task to retry.
    """
    edition = Edition.objects.get(pk=edition_id)
    batch = _batch_claim(
        edition_id=edition_id, delivery_ids=delivery_ids, token=_claim_token(claim_key)
    )
    result = BatchResult()
    try:
        if batch.rows:
            with _async_commits(), get_connection() as backend:
                renderer = EditionRenderer(edition)
                _send_rows(batch, renderer, _Transport(backend, renderer), result)
    finally:
        _batch_release(batch)
    edition_finish_if_done(edition_id=edition_id)
    return result


def _send_rows(
    batch: _Batch, renderer: EditionRenderer, transport: _Transport, result: BatchResult
) -> None:
    for delivery_id, subscriber in batch.rows:
        batch.renew()
        outgoing = (
            renderer.outgoing(subscriber=subscriber, delivery_id=delivery_id)
            if subscriber is not None and _wants(subscriber, renderer.edition.kind)
            else None
        )
        if outgoing is None:
            result.skipped += batch.mark(delivery_id, before="claimed", after="skipped")
            continue
        if not batch.mark(
            delivery_id, before="claimed", after="sending", claimed_at=timezone.now()
        ):
            continue  # handed back and taken by another batch meanwhile
        try:
            provider_id = transport.send(outgoing)
        except NotAccepted as refusal:
            if not refusal.permanent:
                batch.mark(delivery_id, before="sending", after="claimed", claimed_at=None)
                raise
            batch.mark(delivery_id, before="sending", after="failed", error=refusal.reason[:500])
            result.failed += 1
            continue
        except OutcomeUnknown as exc:
            batch.mark(
                delivery_id, before="sending", after="failed", error=f"{INTERRUPTED}: {exc}"[:500]
            )
            raise
        batch.mark(
            delivery_id,
            before="sending",
            after="sent",
            sent_at=timezone.now(),
            message_id=outgoing.message_id,
            provider_message_id=provider_id,
        )
        result.sent += 1


def _provider_id(message: object) -> str:
    """django-anymail's id for the message, which its tracking webhooks report back."""
    status = getattr(message, "anymail_status", None)
    return str(getattr(status, "message_id", "") or "")[:255]
