"""The mailing models, taken over from the digest app in the state only.

Their tables exist already (created by digest's migrations, still named ``digest_*``:
see ``db_table``), so nothing here touches the database. ``digest/0008`` then moves the
models' content types here.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

import mailing.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("digest", "0007_models_moved_to_apps"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Edition",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("daily_digest", "Daily trending digest"),
                                    ("weekly_log", "Weekly research log"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                help_text='e.g. "daily-2026-11-23".', max_length=100, unique=True
                            ),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        ("day", models.DateField(blank=True, null=True)),
                        (
                            "paper_ids",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.BigIntegerField(),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        ("body_html", models.TextField(blank=True)),
                        ("body_text", models.TextField(blank=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("sending", "Sending"), ("done", "Done")],
                                default="sending",
                                max_length=20,
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "digest_edition",
                        "ordering": ["-created"],
                    },
                ),
                migrations.CreateModel(
                    name="SendLease",
                    fields=[
                        ("token", models.UUIDField(primary_key=True, serialize=False)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "digest_sendlease",
                    },
                ),
                migrations.CreateModel(
                    name="Subscriber",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(
                                help_text="As typed, domain lower-cased.", max_length=254
                            ),
                        ),
                        (
                            "secret",
                            models.CharField(
                                default=mailing.models.new_subscriber_secret,
                                editable=False,
                                max_length=32,
                            ),
                        ),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "paused",
                            models.BooleanField(
                                default=False, help_text="Keeps settings, sends nothing."
                            ),
                        ),
                        ("daily_digest", models.BooleanField(default=True)),
                        ("weekly_log", models.BooleanField(default=False)),
                        (
                            "categories",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=40),
                                blank=True,
                                default=list,
                                help_text="Empty means all.",
                                size=None,
                            ),
                        ),
                        (
                            "topics",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=64),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        (
                            "deactivated_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Set by a bounce or a complaint: nothing is sent.",
                                null=True,
                            ),
                        ),
                        ("deactivated_reason", models.CharField(blank=True, max_length=200)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("modified", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "digest_subscriber",
                        "ordering": ["-created"],
                        "constraints": [
                            models.UniqueConstraint(
                                django.db.models.functions.text.Lower("email"),
                                name="subscriber_email_ci_unique",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("claimed", "Claimed"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("bounced", "Bounced"),
                                    ("skipped", "Skipped"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("claim_token", models.UUIDField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "message_id",
                            models.CharField(
                                blank=True, help_text="Our Message-ID.", max_length=255
                            ),
                        ),
                        (
                            "provider_message_id",
                            models.CharField(blank=True, db_index=True, max_length=255),
                        ),
                        ("error", models.TextField(blank=True)),
                        (
                            "edition",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="mailing.edition",
                            ),
                        ),
                        (
                            "subscriber",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="deliveries",
                                to="mailing.subscriber",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "deliveries",
                        "db_table": "digest_delivery",
                        "indexes": [
                            models.Index(
                                fields=["edition", "status"], name="delivery_edition_status"
                            ),
                            models.Index(
                                condition=models.Q(("status", "claimed")),
                                fields=["claim_token"],
                                name="delivery_claimed",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("subscriber", "edition"), name="delivery_unique_per_edition"
                            )
                        ],
                    },
                ),
            ]
        )
    ]
