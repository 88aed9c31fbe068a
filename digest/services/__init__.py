"""Writes of the editorial app. Subscriptions, sending (the ledger), email building."""

from digest.services.leases import deliveries_sweep, edition_finish_if_done
from digest.services.sending import (
    BatchResult,
    deliveries_send,
    edition_daily_digest,
    edition_prepare,
    edition_send_weekly_log,
)
from digest.services.subscriptions import (
    normalize_email,
    subscriber_deactivate,
    subscriber_delete,
    subscription_confirm,
    subscription_email_send,
    subscription_request,
    subscription_unsubscribe,
    subscription_update,
)

__all__ = [
    "BatchResult",
    "deliveries_send",
    "deliveries_sweep",
    "edition_daily_digest",
    "edition_finish_if_done",
    "edition_prepare",
    "edition_send_weekly_log",
    "normalize_email",
    "subscriber_deactivate",
    "subscriber_delete",
    "subscription_confirm",
    "subscription_email_send",
    "subscription_request",
    "subscription_unsubscribe",
    "subscription_update",
]
