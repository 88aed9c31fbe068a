"""The provider's bounce and complaint reports (django-anymail tracking webhook)."""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, EventType

from mailing.models import Delivery, Subscriber
from mailing.services.subscriptions import subscriber_deactivate, subscription_unsubscribe

log = logging.getLogger(__name__)

DEACTIVATING = {EventType.BOUNCED: "bounced", EventType.COMPLAINED: "complained"}
# Bounces a provider reports as "bounced" although a later try may succeed (a full
# mailbox): the delivery counts as bounced, the address stays active.
SOFT_BOUNCES = {"Postmark": {"SoftBounce", "DnsError", "Transient"}}


def _soft_bounce(event: AnymailTrackingEvent, esp_name: str) -> bool:
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    return raw.get("Type") in SOFT_BOUNCES.get(esp_name, set())


def tracking_event_handle(*, event: AnymailTrackingEvent, esp_name: str) -> None:
    """Deactivate on a hard bounce or a complaint; unsubscribe on a provider unsubscribe.

    Any bounce marks the delivery it names (by the provider's message id) as bounced.
    """
    recipient = (event.recipient or "").strip()
    if not recipient:
        return
    if event.event_type in DEACTIVATING:
        if not _soft_bounce(event, esp_name):
            reason = f"{DEACTIVATING[event.event_type]} ({esp_name})"
            subscriber_deactivate(email=recipient, reason=reason)
        if event.event_type == EventType.BOUNCED and event.message_id:
            Delivery.objects.filter(provider_message_id=str(event.message_id)).update(
                status=Delivery.Status.BOUNCED
            )
    elif event.event_type == EventType.UNSUBSCRIBED:
        for subscriber in Subscriber.objects.filter(email__iexact=recipient):
            subscription_unsubscribe(subscriber=subscriber, list_name="")


def tracking_receiver(
    sender: object, event: AnymailTrackingEvent, esp_name: str, **kwargs: object
) -> None:
    tracking_event_handle(event=event, esp_name=esp_name)
