"""Subscribing with double opt-in, preferences, unsubscribing, deleting, deactivating.

No function here tells its caller whether an address was already known: a subscribe
request answers the same way and sends one email either way (a confirmation, or a note
with the preferences link to an address already confirmed).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digest.lib.ratelimit import rate_parse, ratelimit_hit
from digest.lib.tasks import TaskRef
from mailing.models import Delivery, Subscriber
from mailing.services import mail

log = logging.getLogger(__name__)

# Queued by name: mailing.tasks imports this module (see digest.lib.tasks.TaskRef).
SEND_SUBSCRIPTION_EMAIL = TaskRef("digest.tasks.send_subscription_email")


def normalize_email(email: str) -> str:
    """Trimmed, with the domain lower-cased (the local part is the mailbox owner's)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def _address_allowed(email: str) -> bool:
    """Counts requests per address (in the database); False past SUBSCRIBE_RATE_PER_ADDRESS."""
    return ratelimit_hit(
        scope="subscribe-address",
        key=email.casefold(),
        rate=rate_parse(settings.SUBSCRIBE_RATE_PER_ADDRESS),
    )


def subscription_request(
    *,
    email: str,
    daily_digest: bool,
    weekly_log: bool,
    categories: list[str],
    topics: list[str],
) -> None:
    """Record a request and queue one email to the address; say nothing about who is known."""
    email = normalize_email(email)
    if not _address_allowed(email):
        log.info("subscribe request over the per-address limit; no email sent")
        return
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            subscriber = Subscriber.objects.create(email=email)
        if subscriber.confirmed_at is None or subscriber.deactivated_at is not None:
            # Unconfirmed: the request decides the settings. Confirmed: only the owner may
            # change them, through the preferences link mailed below.
            subscriber.daily_digest, subscriber.weekly_log = daily_digest, weekly_log
            subscriber.categories, subscriber.topics = categories, topics
            subscriber.save()
        kind = "confirm" if subscriber.confirmed_at is None else "already_subscribed"
        if subscriber.deactivated_at is not None:
            kind = "confirm"
        SEND_SUBSCRIPTION_EMAIL.send_on_commit(subscriber.pk, kind)


def subscription_email_send(*, subscriber_id: int, kind: str) -> bool:
    """Send the confirmation (or already-subscribed) email; False if the subscriber is gone."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return False
    context = {
        "confirm_url": mail.confirm_url(subscriber=subscriber),
        "preferences_url": mail.preferences_url(subscriber=subscriber),
        "site_url": settings.SITE_URL,
        "confirm_days": settings.DIGEST_CONFIRM_MAX_AGE_S // 86400,
    }
    subject, text, html = mail.render_trio(kind, context)
    mail.message_build(to=subscriber.email, subject=subject, text=text, html=html).send()
    return True


def subscription_confirm(*, subscriber: Subscriber) -> Subscriber:
    """Confirm (idempotent); a confirmation also lifts a bounce deactivation."""
    if subscriber.confirmed_at is None or subscriber.deactivated_at is not None:
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.deactivated_at, subscriber.deactivated_reason = None, ""
        subscriber.save(update_fields=["confirmed_at", "deactivated_at", "deactivated_reason"])
    return subscriber


def subscription_update(
    *,
    subscriber: Subscriber,
    daily_digest: bool,
    weekly_log: bool,
    categories: list[str],
    topics: list[str],
    paused: bool,
) -> Subscriber:
    subscriber.daily_digest, subscriber.weekly_log = daily_digest, weekly_log
    subscriber.categories, subscriber.topics, subscriber.paused = categories, topics, paused
    subscriber.save()
    return subscriber


def subscription_unsubscribe(*, subscriber: Subscriber, list_name: str) -> Subscriber:
    """Leave one list (or every list when ``list_name`` is empty); idempotent."""
    names = [list_name] if list_name else [choice.value for choice in Subscriber.Lists]
    for name in names:
        setattr(subscriber, Subscriber.Lists(name).value, False)
    subscriber.save(update_fields=[*names, "modified"])
    return subscriber


@transaction.atomic
def subscriber_delete(*, subscriber: Subscriber) -> None:
    """Delete the address and settings; ledger rows keep only anonymous counts."""
    subscriber.deliveries.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).update(status=Delivery.Status.SKIPPED)
    subscriber.deliveries.update(error="", provider_message_id="")
    subscriber.delete()


def subscriber_follows_set(
    *, email: str, categories: list[str], topics: list[str], authors: list[str] | None = None
) -> int:
    """Make the subscription of ``email`` (if any) follow what its reader's account follows."""
    return Subscriber.objects.filter(email__iexact=email).update(
        categories=categories, topics=topics, authors=authors or []
    )


def subscriber_deactivate(*, email: str, reason: str) -> int:
    """Stop all sending to an address after a bounce or complaint; returns rows changed."""
    return Subscriber.objects.filter(email__iexact=email, deactivated_at=None).update(
        deactivated_at=timezone.now(), deactivated_reason=reason[:200]
    )
