"""Unsubscribing by mail: the List-Unsubscribe mailto target, as a mail client uses it.

A digest goes out through the real SMTP server; the reader's "client" follows its mailto
target (RFC 6068) and sends that message through the same server; what arrived is posted
to the provider's inbound webhook as Postmark does (raw MIME in JSON, basic auth).
"""

from __future__ import annotations

import base64
import smtplib
from datetime import date
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client

from digest.lib.signing import token_make
from mailing.models import Subscriber
from mailing.services import sending
from papers.models import TrendingSignal
from tests.mailing.conftest import Mailbox, SMTPServer
from tests.mailing.factories import SubscriberFactory
from tests.mailing.mail_helpers import unsubscribe_targets
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 5)
CREDENTIALS = "postmark:inbound-secret"


@pytest.fixture(autouse=True)
def _webhook_secret(settings: object) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": CREDENTIALS}  # type: ignore[attr-defined]


@pytest.fixture
def reader(mailbox: Mailbox) -> Subscriber:
    paper = PaperFactory(title_text="A trending paper")
    TrendingSignal.objects.create(source="hf", day=DAY, paper=paper, rank=1)
    return SubscriberFactory(email="reader@example.org", daily_digest=True, weekly_log=True)


def the_digests_mailto(mailbox: Mailbox) -> tuple[str, str]:
    """Send the day's digest; return the (address, subject) of its mailto target."""
    edition = sending.edition_daily_digest(day=DAY)
    for batch in sending.edition_prepare(edition=edition):
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    (digest,) = mailbox.messages
    _, mailto = unsubscribe_targets(digest)
    parts = urlsplit(mailto)
    return unquote(parts.path), parse_qs(parts.query)["subject"][0]


def mail_it(smtp_server: SMTPServer, *, to: str, subject: str, body: str = "") -> bytes:
    """Send as the reader's mail client would; return the bytes the server received."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Reader <reader@example.org>", to, subject
    message.set_content(body or "Sent from my phone")
    smtp_server.mailbox.clear()
    with smtplib.SMTP(smtp_server.host, smtp_server.port) as smtp:
        smtp.send_message(message)
    (raw,) = smtp_server.mailbox.raw
    return raw


def post_inbound(raw: bytes, *, recipient: str, credentials: str = CREDENTIALS) -> int:
    auth = base64.b64encode(credentials.encode()).decode()
    payload = {"RawEmail": raw.decode(), "OriginalRecipient": recipient, "Headers": []}
    response = Client().post(
        "/anymail/postmark/inbound/",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    return response.status_code


def test_mailing_the_list_unsubscribe_address_leaves_that_list(
    smtp_server: SMTPServer, mailbox: Mailbox, reader: Subscriber
) -> None:
    address, subject = the_digests_mailto(mailbox)
    assert address == "unsubscribe@digest.example.org" and subject.startswith("unsubscribe ")
    raw = mail_it(smtp_server, to=address, subject=subject)
    assert post_inbound(raw, recipient=address) == 200
    reader.refresh_from_db()
    assert (reader.daily_digest, reader.weekly_log) == (False, True)


def test_a_reply_with_the_token_in_the_body_works_too(
    smtp_server: SMTPServer, mailbox: Mailbox, reader: Subscriber
) -> None:
    address, subject = the_digests_mailto(mailbox)
    raw = mail_it(smtp_server, to=address, subject="Re: stop", body=f"Please\n\n{subject}\n")
    assert post_inbound(raw, recipient=address) == 200
    reader.refresh_from_db()
    assert reader.daily_digest is False


@pytest.mark.parametrize("forgery", ["tampered", "other purpose", "made up", "no token"])
def test_a_forged_or_missing_token_unsubscribes_nobody(
    smtp_server: SMTPServer, mailbox: Mailbox, reader: Subscriber, forgery: str
) -> None:
    address, subject = the_digests_mailto(mailbox)
    token = subject.removeprefix("unsubscribe ")
    forged = {
        "tampered": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "other purpose": token_make(
            purpose="preferences", subscriber_id=reader.pk, secret=reader.secret
        ),
        "made up": "eyJpZCI6MX0:1abcde:" + "x" * 43,
        "no token": "",
    }[forgery]
    raw = mail_it(smtp_server, to=address, subject=f"unsubscribe {forged}".strip())
    assert post_inbound(raw, recipient=address) == 200  # accepted, and ignored
    reader.refresh_from_db()
    assert (reader.daily_digest, reader.weekly_log) == (True, True)


def test_a_valid_token_sent_elsewhere_or_without_the_webhook_secret_does_nothing(
    smtp_server: SMTPServer, mailbox: Mailbox, reader: Subscriber
) -> None:
    address, subject = the_digests_mailto(mailbox)
    elsewhere = mail_it(smtp_server, to="digest@digest.example.org", subject=subject)
    assert post_inbound(elsewhere, recipient="digest@digest.example.org") == 200
    raw = mail_it(smtp_server, to=address, subject=subject)
    assert post_inbound(raw, recipient=address, credentials="postmark:wrong") == 400
    reader.refresh_from_db()
    assert reader.daily_digest is True
