"""The real SMTP sink of the mailing tests, for the saved-search alerts' emails."""

from tests.mailing.conftest import mailbox, smtp_server  # noqa: F401 - fixtures
