"""The writing models, taken over from the digest app in the state only.

Their tables exist already (created by digest's migrations, still named ``digest_*``:
see ``db_table``), so nothing here touches the database. ``digest/0008`` then moves the
models' content types here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("digest", "0007_models_moved_to_apps"),
        ("papers", "0004_leaner_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Draft",
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
                            "week_start",
                            models.DateField(
                                help_text="The Monday of the week drafted.", unique=True
                            ),
                        ),
                        ("theme", models.CharField(blank=True, max_length=200)),
                        ("title", models.CharField(blank=True, max_length=300)),
                        ("intro", models.TextField(blank=True, help_text="Markdown.")),
                        (
                            "pulse_overview",
                            models.TextField(
                                blank=True, help_text="Markdown: the Pulse of AI paragraph."
                            ),
                        ),
                        ("item_count", models.PositiveSmallIntegerField(default=5)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("scheduled", "Scheduled"),
                                    ("published", "Published"),
                                ],
                                default="draft",
                                max_length=20,
                            ),
                        ),
                        ("scheduled_at", models.DateTimeField(blank=True, null=True)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        (
                            "generation",
                            models.CharField(
                                choices=[
                                    ("idle", "Idle"),
                                    ("queued", "Queued"),
                                    ("running", "Writing"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="idle",
                                max_length=20,
                            ),
                        ),
                        ("task_id", models.CharField(blank=True, max_length=64)),
                        ("sections_done", models.PositiveSmallIntegerField(default=0)),
                        ("sections_total", models.PositiveSmallIntegerField(default=0)),
                        ("generation_error", models.TextField(blank=True)),
                        (
                            "backend",
                            models.CharField(
                                blank=True,
                                help_text='"openai", "local" or "extractive" (no model).',
                                max_length=20,
                            ),
                        ),
                        ("model_name", models.CharField(blank=True, max_length=200)),
                        ("token_budget", models.PositiveIntegerField(default=0)),
                        ("tokens_spent", models.PositiveIntegerField(default=0)),
                        (
                            "publish_error",
                            models.TextField(
                                blank=True, help_text="Why a scheduled publish did not run."
                            ),
                        ),
                        ("flags", models.JSONField(blank=True, default=list)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("modified", models.DateTimeField(auto_now=True)),
                        (
                            "flags_acknowledged_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "theme_topic",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="drafts",
                                to="papers.topic",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_draft",
                        "ordering": ["-week_start"],
                        "permissions": [
                            ("publish_draft", "Can schedule and publish research logs")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DraftItem",
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
                        ("position", models.PositiveSmallIntegerField()),
                        ("section_md", models.TextField(blank=True)),
                        ("pulse_note", models.TextField(blank=True)),
                        (
                            "origin",
                            models.CharField(
                                choices=[
                                    ("pending", "Not written yet"),
                                    ("llm", "Written by the model"),
                                    ("extractive", "Extractive (sentences of the abstract)"),
                                    ("editor", "Edited by an editor"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("evidence", models.JSONField(blank=True, default=list)),
                        ("flags", models.JSONField(blank=True, default=list)),
                        ("github_repo", models.URLField(blank=True, max_length=500)),
                        (
                            "draft",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="items",
                                to="writing.draft",
                            ),
                        ),
                        (
                            "flags_acknowledged_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="draft_items",
                                to="papers.paper",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_draftitem",
                        "ordering": ["draft", "position", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="LLMCall",
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
                            "purpose",
                            models.CharField(
                                help_text="theme, intro, section, note, overview", max_length=30
                            ),
                        ),
                        ("backend", models.CharField(max_length=20)),
                        ("model_name", models.CharField(blank=True, max_length=200)),
                        ("prompt_tokens", models.PositiveIntegerField(default=0)),
                        ("completion_tokens", models.PositiveIntegerField(default=0)),
                        ("duration_s", models.FloatField(default=0.0)),
                        ("ok", models.BooleanField(default=True)),
                        ("error", models.TextField(blank=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "draft",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="llm_calls",
                                to="writing.draft",
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="llm_calls",
                                to="writing.draftitem",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "LLM call",
                        "db_table": "digest_llmcall",
                        "ordering": ["draft", "created", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="ResearchLog",
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
                        ("number", models.PositiveIntegerField(unique=True)),
                        ("slug", models.SlugField(max_length=120, unique=True)),
                        ("title", models.CharField(max_length=300)),
                        ("theme", models.CharField(blank=True, max_length=200)),
                        (
                            "summary",
                            models.TextField(
                                blank=True, help_text="Plain text: the feed's description."
                            ),
                        ),
                        ("body_md", models.TextField()),
                        ("body_html", models.TextField()),
                        ("published_at", models.DateTimeField()),
                        (
                            "draft",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="log",
                                to="writing.draft",
                            ),
                        ),
                        (
                            "papers",
                            models.ManyToManyField(
                                blank=True, related_name="research_logs", to="papers.paper"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_researchlog",
                        "ordering": ["-number"],
                    },
                ),
                migrations.CreateModel(
                    name="Revision",
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
                        ("number", models.PositiveIntegerField()),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("snapshot", models.JSONField(default=dict)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "author",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "draft",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="revisions",
                                to="writing.draft",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_revision",
                        "ordering": ["draft", "-number"],
                    },
                ),
                migrations.AddIndex(
                    model_name="draft",
                    index=models.Index(fields=["status", "scheduled_at"], name="draft_due"),
                ),
                migrations.AddConstraint(
                    model_name="draftitem",
                    constraint=models.UniqueConstraint(
                        fields=("draft", "paper"), name="draftitem_unique_paper"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="revision",
                    constraint=models.UniqueConstraint(
                        fields=("draft", "number"), name="revision_unique_number"
                    ),
                ),
            ]
        )
    ]
