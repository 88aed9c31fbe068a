"""The reader models, taken over from the digest app in the state only.

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
                    name="Bookmark",
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
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bookmarks",
                                to="papers.paper",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bookmarks",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_bookmark",
                        "ordering": ["-created"],
                        "indexes": [models.Index(fields=["created"], name="bookmark_created")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "paper"), name="bookmark_unique_per_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Follow",
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
                                choices=[("topic", "Topic"), ("category", "Category")],
                                max_length=20,
                            ),
                        ),
                        ("key", models.CharField(max_length=64)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="follows",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_follow",
                        "ordering": ["kind", "key"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "kind", "key"), name="follow_unique_per_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PaperView",
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
                        ("day", models.DateField()),
                        ("count", models.PositiveIntegerField(default=0)),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="views",
                                to="papers.paper",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_paperview",
                        "indexes": [models.Index(fields=["day"], name="paperview_day")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("paper", "day"), name="paperview_unique_per_day"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Upvote",
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
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="upvotes",
                                to="papers.paper",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="upvotes",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "digest_upvote",
                        "ordering": ["-created"],
                        "indexes": [models.Index(fields=["created"], name="upvote_created")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "paper"), name="upvote_unique_per_user"
                            )
                        ],
                    },
                ),
            ]
        )
    ]
