"""A real SMTP server in-process (aiosmtpd) that the app and real workers send through."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.waiting import BACKGROUND_CEILING_S


@dataclass
class Mailbox:
    """What the server accepted, parsed; ``delay_s`` makes it answer slowly after accepting."""

    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # the same messages, as received
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # From the ``hold_from``-th message on, the "250" waits until ``release()``: a test can
    # kill a worker at the one moment a message is accepted but its sender has no answer.
    hold_from: int = 0
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
            self.raw.append(envelope.content)
        if self.delay_s:
            # Accepted, but the client hears "250" only later: a crash in this window is the
            # case where a naive retry would send a duplicate.
            await asyncio.sleep(self.delay_s)
        while (
            self.hold_from and len(self.messages) >= self.hold_from and not self.released.is_set()
        ):
            await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"

    def hold(self, *, from_message: int) -> None:
        self.released.clear()
        self.hold_from = from_message

    def release(self) -> None:
        self.released.set()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["X-Envelope-To"] == address]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.raw.clear()
        self.delay_s = 0.0
        self.hold_from = 0
        self.released.clear()

    def wait_for(self, count: int, timeout: float = BACKGROUND_CEILING_S) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


@dataclass
class SMTPServer:
    host: str
    port: int
    mailbox: Mailbox

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SMTPServer(host="127.0.0.1", port=controller.port, mailbox=mailbox)
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: SMTPServer, settings: SettingsWrapper) -> Mailbox:
    """An empty mailbox, and this process's Django email pointed at the real server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@digest.example.org"
    settings.DEFAULT_FROM_EMAIL = "Research Digest <digest@digest.example.org>"
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture(scope="module")
def mail_worker(
    django_db_setup: None, django_db_blocker: object, smtp_server: SMTPServer
) -> Iterator[CeleryWorker]:
    """One real worker on the mail queue for the module, sending through the test server."""
    with (
        django_db_blocker.unblock(),  # type: ignore[attr-defined]
        CeleryWorker(
            queues=("mail",),
            EMAIL_URL=smtp_server.url,
            DIGEST_UNSUBSCRIBE_MAILTO="unsubscribe@digest.example.org",
            DEFAULT_FROM_EMAIL="Research Digest <digest@digest.example.org>",
        ) as worker,
    ):
        yield worker
