"""The squashed search migration: a database migrated by the previous main (search
0001-0006, whose PL/pgSQL is now search/sql/bm25.sql) moves forward untouched, with the
same BM25 functions a new database gets and the same rankings."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.digest.test_migrate_forward import (  # noqa: F401 (a fixture)
    _manage,
    _shell,
    scratch_database_url,
)

FUNCTIONS = ("search_bm25_topk", "search_bm25_best")

BUILD_WITH_OLD_SEARCH_MIGRATIONS = """
from django.conf import settings
settings.MIGRATION_MODULES = {"search": "tests.fixtures.search.migrations"}
from django.core.management import call_command
call_command("migrate", verbosity=0)
from papers.models import Paper
from search.services import bm25_index_papers
for n, title in enumerate(["Sparse attention for long context", "Attention is sparse",
                           "Graph neural networks", "Long context retrieval"]):
    Paper.objects.create(arxiv_id=f"2606.0001{n}", title=title, title_text=title,
                         abstract_text="We study " + title.lower() + ".")
bm25_index_papers()
"""

READ = """
import json
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
with connection.cursor() as cursor:
    cursor.execute("SELECT * FROM search_bm25_best(ARRAY['attent','spars','context'], 3, 0)")
    ranking = [[str(a), b] for a, b in cursor.fetchall()]
    cursor.execute(FUNCTIONS_SQL)
    functions = [d for (d,) in cursor.fetchall()]
applied = sorted(MigrationRecorder(connection).applied_migrations())
print("STATE" + json.dumps({
    "ranking": ranking, "functions": functions,
    "search": [name for app, name in applied if app == "search"],
}))
"""

FUNCTIONS_SQL = (
    "SELECT pg_get_functiondef(oid) FROM pg_proc"
    f" WHERE proname IN {FUNCTIONS!r} ORDER BY proname, pronargs"
)


@pytest.mark.django_db
def test_a_database_from_before_the_squash_moves_forward_with_the_same_functions(
    scratch_database_url: str,  # noqa: F811
) -> None:
    read = f"FUNCTIONS_SQL = {FUNCTIONS_SQL!r}\n{READ}"
    _manage("shell", "-c", BUILD_WITH_OLD_SEARCH_MIGRATIONS, database_url=scratch_database_url)
    before = _shell(read, database_url=scratch_database_url, marker="STATE")
    assert before["search"][-1] == "0006_bm25_parts" and len(before["ranking"]) == 3

    out = _manage("migrate", "--noinput", "search", database_url=scratch_database_url)
    # Nothing the squash replaced runs again; migrations added after it (0007 on) do.
    applied = re.findall(r"Applying search\.(\w+)", out)
    assert all(name[:4] > "0006" for name in applied), out
    assert "squashed" not in out

    after = _shell(read, database_url=scratch_database_url, marker="STATE")
    assert after["ranking"] == before["ranking"]
    assert after["functions"] == before["functions"] == _functions_of_a_new_database()
    plan = _manage("showmigrations", "search", database_url=scratch_database_url)
    assert "[X] 0001_squashed_0006_bm25_parts" in plan


def _functions_of_a_new_database() -> list[str]:
    """The functions of the test database, which the squashed migration built."""
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS_SQL)
        return [definition for (definition,) in cursor.fetchall()]
