"""Delivery leases: a claimed or in-flight row belongs to its batch only for a while.

A batch claims rows for ``DIGEST_MAIL_LEASE_S`` seconds and renews the lease as it goes
(``claimed_at`` is when the lease was last renewed). A lease that runs out means the
batch stopped (its worker killed, its machine gone):

* its ``claimed`` rows were never attempted and go back to ``pending``, unless a database
  crash erased the batch's ``SendLease`` row (the unlogged table is emptied by crash
  recovery, which may also have lost marks made with asynchronous commits): then whether
  they were sent is unknown, and they are settled as ``failed`` rather than sent twice;
* its ``sending`` row was handed to the mail server with no answer recorded: ``failed``,
  never resent (a missing email beats a duplicate).

Rows back in ``pending`` are sent by the batch's redelivered message (which also takes
back the rows its own earlier run claimed, see ``sending``), and otherwise by the sweep
that beat runs every few minutes (``deliveries_sweep``), which also marks editions done.
A pending row's ``claimed_at`` is when a batch for it was last queued, so the sweep
queues again only rows no queued batch has taken for ``DIGEST_MAIL_REQUEUE_S``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from mailing.models import Delivery, Edition

INTERRUPTED = "interrupted mid-send (accepted or not is unknown); not resent to avoid a duplicate"
LEASE_LOST = (
    "claimed by a batch when the database crashed (sent or not is unknown); "
    "not resent to avoid a duplicate"
)

_EXPIRE_SQL = (
    # Claimed under a lease a database crash erased: unknown, settled as failed.
    """
    UPDATE digest_delivery d SET status = 'failed', error = %(lost)s
    WHERE d.edition_id = %(edition)s AND d.status = 'claimed'
      AND NOT EXISTS (SELECT 1 FROM digest_sendlease l WHERE l.token = d.claim_token)
    """,
    # Claimed, lease intact but run out: never attempted, back to pending (queue it now).
    """
    UPDATE digest_delivery SET status = 'pending', claim_token = NULL, claimed_at = NULL
    WHERE edition_id = %(edition)s AND status = 'claimed'
      AND claimed_at < now() - make_interval(secs => %(lease)s)
    """,
    # Handed to the server by a batch that stopped: the outcome is unknown.
    """
    UPDATE digest_delivery SET status = 'failed', error = %(interrupted)s
    WHERE edition_id = %(edition)s AND status = 'sending'
      AND claimed_at < now() - make_interval(secs => %(lease)s)
    """,
)
_FORGET_LEASES_SQL = """
DELETE FROM digest_sendlease l WHERE NOT EXISTS (
    SELECT 1 FROM digest_delivery d
    WHERE d.claim_token = l.token AND d.status IN ('claimed', 'sending'))
"""
_QUEUE_SQL = """
UPDATE digest_delivery SET claimed_at = now()
WHERE edition_id = %(edition)s AND status = 'pending'
  AND (%(requeue)s = 0 OR claimed_at IS NULL
       OR claimed_at < now() - make_interval(secs => %(requeue)s))
RETURNING id
"""


@dataclass(frozen=True)
class SweptEdition:
    edition_id: int
    batches: list[list[int]]


def deliveries_expire(*, edition_id: int) -> None:
    """Settle the rows of the edition's batches whose lease ran out (see the module doc)."""
    params = {
        "edition": edition_id,
        "lease": settings.DIGEST_MAIL_LEASE_S,
        "lost": LEASE_LOST,
        "interrupted": INTERRUPTED,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in _EXPIRE_SQL:
            cursor.execute(sql, params)


def deliveries_queue(*, edition_id: int, requeue_after_s: float = 0) -> list[list[int]]:
    """The edition's pending rows no batch was queued for in ``requeue_after_s``, in batches,
    marked queued now. 0 takes every pending row."""
    with connection.cursor() as cursor:
        cursor.execute(_QUEUE_SQL, {"edition": edition_id, "requeue": requeue_after_s})
        ids = sorted(row[0] for row in cursor.fetchall())
    size = settings.DIGEST_MAIL_BATCH_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def deliveries_sweep() -> list[SweptEdition]:
    """For every edition still sending: expire run-out leases, mark it done if every row is
    final, and return the batches to queue for pending rows nobody has taken."""
    swept = []
    for edition_id in Edition.objects.filter(status=Edition.Status.SENDING).values_list(
        "pk", flat=True
    ):
        deliveries_expire(edition_id=edition_id)
        batches = deliveries_queue(
            edition_id=edition_id, requeue_after_s=settings.DIGEST_MAIL_REQUEUE_S
        )
        edition_finish_if_done(edition_id=edition_id)
        if batches:
            swept.append(SweptEdition(edition_id=edition_id, batches=batches))
    with connection.cursor() as cursor:
        cursor.execute(_FORGET_LEASES_SQL)
    return swept


def edition_finish_if_done(*, edition_id: int) -> None:
    """Mark the edition done once none of its rows is pending, claimed or in flight."""
    open_rows = Delivery.objects.filter(
        edition_id=edition_id,
        status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED, Delivery.Status.SENDING],
    )
    if not open_rows.exists():
        Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).update(
            status=Edition.Status.DONE, finished_at=timezone.now()
        )
