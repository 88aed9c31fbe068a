"""Mail to the ``mailto:`` address of List-Unsubscribe: unsubscribe on a valid token only.

The mailto target asks the reader's mail client to send ``unsubscribe <token>`` in the
subject; the token is the same signed, per-subscriber token as the https link, so the
rules are the same: a tampered, forged or revoked token changes nothing. The message
arrives through the provider's inbound webhook (django-anymail's ``inbound`` signal).
We never reply to such a message: a reply to a forged sender would be backscatter.
"""

from __future__ import annotations

import logging
import re
from email.utils import getaddresses

from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent
from django.conf import settings

from digest.lib.signing import TokenError, token_read
from mailing import selectors
from mailing.models import Subscriber
from mailing.services.subscriptions import subscription_unsubscribe

log = logging.getLogger(__name__)

# A signing.dumps token: base64url parts joined by ":" (a leading "." when compressed).
TOKEN_AFTER_WORD = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_.:-]{20,400})", re.IGNORECASE)
MAX_BODY_CHARS = 20_000


def unsubscribe_mail_handle(*, recipients: list[str], subject: str, body: str) -> Subscriber | None:
    """Unsubscribe the list a valid token in the subject (else the body) names.

    Returns the subscriber, or None when the message is not for the unsubscribe address
    or carries no valid token (then nothing changes).
    """
    address = settings.DIGEST_UNSUBSCRIBE_MAILTO.casefold()
    if not address or address not in {r.casefold() for r in recipients}:
        return None
    for candidate in TOKEN_AFTER_WORD.findall(f"{subject}\n{body[:MAX_BODY_CHARS]}"):
        try:
            subscriber = selectors.subscriber_for_token(purpose="unsubscribe", token=candidate)
        except TokenError:
            continue
        list_name = token_read(purpose="unsubscribe", token=candidate).list_name
        log.info("unsubscribed subscriber #%s from %s by mail", subscriber.pk, list_name or "all")
        return subscription_unsubscribe(subscriber=subscriber, list_name=list_name)
    log.info("mail to the unsubscribe address without a valid token: ignored")
    return None


def _recipients(message: AnymailInboundMessage) -> list[str]:
    headers = [value for name in ("To", "Cc") for value in message.get_all(name, [])]
    found = [address for _, address in getaddresses(headers) if address]
    return [*found, *([message.envelope_recipient] if message.envelope_recipient else [])]


def inbound_receiver(
    sender: object, event: AnymailInboundEvent, esp_name: str, **kwargs: object
) -> None:
    message = event.message
    if message is None:
        return
    unsubscribe_mail_handle(
        recipients=_recipients(message),
        subject=str(message.subject or ""),
        body=message.text or "",
    )
