"""Mailing: subscribers, editions (one per email sent to a list), the delivery ledger.

The tables keep the names they had in the ``digest`` app (``db_table``), so moving the
models here changed no row (see ``digest/migrations/0007_models_moved_to_apps.py``).
"""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower


def new_subscriber_secret() -> str:
    return secrets.token_urlsafe(12)


class Subscriber(models.Model):
    """An email address and what it wants; nothing is sent to it before confirmed_at."""

    class Lists(models.TextChoices):
        DAILY_DIGEST = "daily_digest", "Daily trending digest"
        WEEKLY_LOG = "weekly_log", "Weekly research log"

    email = models.EmailField(max_length=254, help_text="As typed, domain lower-cased.")
    # Part of every signed link; rotating it (or deleting the row) revokes old links.
    secret = models.CharField(max_length=32, default=new_subscriber_secret, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False, help_text="Keeps settings, sends nothing.")
    daily_digest = models.BooleanField(default=True)
    weekly_log = models.BooleanField(default=False)
    categories = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, help_text="Empty means all."
    )
    # Topic keys as plain strings: the topics feature does not exist yet; its keys will
    # match these (no foreign key to move when it lands).
    topics = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    # Followed people (papers.authors keys, "12" or "12@cs"): their new papers come first.
    authors = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    deactivated_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by a bounce or a complaint: nothing is sent."
    )
    deactivated_reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "digest_subscriber"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"Subscriber #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.deactivated_at is None and not self.paused


class Edition(models.Model):
    """One email to one list (a day's digest, a published log); keyed so it exists once."""

    class Kind(models.TextChoices):
        DAILY_DIGEST = "daily_digest", "Daily trending digest"
        WEEKLY_LOG = "weekly_log", "Weekly research log"

    class Status(models.TextChoices):
        SENDING = "sending"
        DONE = "done"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=100, unique=True, help_text='e.g. "daily-2026-11-23".')
    subject = models.CharField(max_length=200)
    day = models.DateField(null=True, blank=True)
    # Daily digest: the day's trending papers in rank order, and the whole pool each
    # subscriber's papers are chosen from (mailing.picks.DayPool), frozen when the edition
    # is created so that a batch retried hours later renders what the first batch rendered.
    paper_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    pool = models.JSONField(default=dict, blank=True)
    # Weekly log: the body, rendered by the publishing feature.
    body_html = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENDING)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "digest_edition"
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.key


class Delivery(models.Model):
    """The ledger: one row per (subscriber, edition), written before the send."""

    class Status(models.TextChoices):
        PENDING = "pending"
        CLAIMED = "claimed"  # taken by a batch, not attempted yet
        SENDING = "sending"  # handed to the mail server; the outcome is not recorded yet
        SENT = "sent"
        FAILED = "failed"
        BOUNCED = "bounced"
        SKIPPED = "skipped"

    # SET_NULL: "delete my data" removes the address but keeps the edition's counts.
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The SendLease of the batch holding the row; no foreign key (the lease is unlogged).
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True, help_text="Our Message-ID.")
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "digest_delivery"
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "edition"], name="delivery_unique_per_edition"
            )
        ]
        indexes = [
            models.Index(fields=["edition", "status"], name="delivery_edition_status"),
            models.Index(
                fields=["claim_token"],
                name="delivery_claimed",
                condition=models.Q(status="claimed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition.key} to #{self.subscriber_id}: {self.status}"


class SendLease(models.Model):
    """One row per batch being sent, in an UNLOGGED table (see the migration).

    PostgreSQL empties unlogged tables after any crash, and a crash is also the only
    event that can lose the batch's per-message marks (committed without waiting for the
    WAL flush). So a claimed delivery whose lease still exists was certainly never
    attempted and may be sent again; one whose lease vanished is settled as unknown.
    """

    token = models.UUIDField(primary_key=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_sendlease"

    def __str__(self) -> str:
        return f"send lease {self.token}"


class RateLimitWindow(models.Model):
    """Hits of one key in one fixed window of a public form's rate limit.

    Counted by ``digest.lib.ratelimit`` (one atomic upsert per hit) in the database, so
    the limits hold across processes and while the cache is down. Kept here, in the
    lowest app with a rate-limited form (subscribe; sign-up and password reset above).
    """

    scope = models.CharField(max_length=50)
    key_hash = models.CharField(max_length=64, help_text="sha256 of scope and key.")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash", "window_start"], name="ratelimitwindow_unique"
            )
        ]
        indexes = [models.Index(fields=["window_end"], name="ratelimitwindow_end")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]} {self.window_start:%Y-%m-%d %H:%M}: {self.hits}"
