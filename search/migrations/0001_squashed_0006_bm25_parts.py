"""The search app's tables and its BM25 functions (search/sql/bm25.sql), squashed.

It replaces 0001-0006 as they stood before the squash: a database that has applied them
all is marked as having applied this one and is left as it is (its functions are the
ones bm25.sql creates); a new database gets the tables and the functions at once.
"""

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

BM25_SQL = Path(__file__).resolve().parent.parent / "sql" / "bm25.sql"
DROP_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS search_bm25_best(text[], integer, bigint, integer, integer)",
    "DROP FUNCTION IF EXISTS search_bm25_topk(text[], integer, integer, integer)",
]


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("search", "0001_initial"),
        ("search", "0002_bm25_topk_function"),
        ("search", "0003_bm25_best_function"),
        ("search", "0004_bm25_functions_work_mem"),
        ("search", "0005_bm25_best_single_term"),
        ("search", "0006_bm25_parts"),
    ]

    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Bm25Corpus",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("doc_count", models.PositiveIntegerField(default=0, help_text="Live N.")),
                (
                    "total_length",
                    models.BigIntegerField(default=0, help_text="Live sum of document lengths."),
                ),
                (
                    "scored_doc_count",
                    models.PositiveIntegerField(default=0, help_text="N the impacts use."),
                ),
                (
                    "scored_avgdl",
                    models.FloatField(default=0.0, help_text="avgdl the impacts use."),
                ),
                ("k1", models.FloatField(default=1.2, help_text="k1 the impacts use.")),
                ("b", models.FloatField(default=0.75, help_text="b the impacts use.")),
                ("refreshed_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Bm25Document",
            fields=[
                (
                    "paper",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="bm25_document",
                        serialize=False,
                        to="papers.paper",
                    ),
                ),
                (
                    "length",
                    models.PositiveIntegerField(help_text="Lexemes, repeats counted (sum of tf)."),
                ),
                (
                    "text_hash",
                    models.CharField(help_text="md5 of the indexed text.", max_length=32),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Bm25Term",
            fields=[
                ("lexeme", models.TextField(db_collation="C", primary_key=True, serialize=False)),
                ("df", models.PositiveIntegerField(help_text="Live document frequency.")),
                (
                    "scored_df",
                    models.PositiveIntegerField(help_text="Document frequency the idf uses."),
                ),
                (
                    "idf",
                    models.FloatField(
                        help_text="ln(1 + (N - df + 0.5) / (df + 0.5)) at scored N, df."
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Bm25Posting",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "paper_id",
                        "lexeme",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("lexeme", models.TextField(db_collation="C")),
                ("tf", models.PositiveIntegerField()),
                ("impact", models.FloatField()),
                (
                    "paper",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="papers.paper",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["lexeme", "-impact", "paper"], name="bm25_posting_impact")
                ],
            },
        ),
        migrations.RunSQL(sql=[BM25_SQL.read_text()], reverse_sql=DROP_FUNCTIONS),
    ]
