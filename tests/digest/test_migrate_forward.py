"""A database built before the split into reader, mailing and writing migrates forward
with every row kept, and the moved models own their rows, permissions and history.

The old database is built in a scratch database on the test server, by the migrations as
they stood before the split (digest up to 0006, every other existing app to its latest),
and filled through the models of that state: papers, subscribers, editions, deliveries,
a send lease, bookmarks, upvotes, follows, page views, a published research log with its
draft, items, revision and model call, the editors group, a user's own permission and an
admin log entry. Then ``manage.py migrate`` runs as an operator would run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import celery_worker

MOVED_TABLES = [
    "digest_subscriber",
    "digest_edition",
    "digest_delivery",
    "digest_sendlease",
    "digest_bookmark",
    "digest_upvote",
    "digest_follow",
    "digest_paperview",
    "digest_draft",
    "digest_draftitem",
    "digest_revision",
    "digest_llmcall",
    "digest_researchlog",
    "digest_researchlog_papers",
]

BUILD_OLD_DATABASE = """
import datetime, json, uuid
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
split = {"reader", "mailing", "writing", "digest"}
targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in split]
targets.append(("digest", "0006_merge_writing"))
executor.migrate(targets)
apps = executor.loader.project_state(targets).apps
# What migrate does after migrating: content types and permissions of that state's models.
emit_post_migrate_signal(0, False, "default", apps=apps, plan=[])
model = apps.get_model
now = datetime.datetime(2026, 6, 12, 9, 30, tzinfo=datetime.UTC)

User, Group = model("auth", "User"), model("auth", "Group")
Paper = model("papers", "Paper")
papers = [
    Paper.objects.create(arxiv_id=f"2606.0000{n}", title=f"P{n}", title_text=f"P{n}")
    for n in (1, 2)
]
editor = User.objects.create(username="editor", email="editor@example.org")
editor.groups.add(Group.objects.get(name="editors"))
reader = User.objects.create(username="reader", email="reader@example.org")
reader.user_permissions.add(
    model("auth", "Permission").objects.get(
        content_type__app_label="digest", codename="view_subscriber"
    )
)

Subscriber = model("digest", "Subscriber")
confirmed = Subscriber.objects.create(email="a@example.org", confirmed_at=now, weekly_log=True)
Subscriber.objects.create(email="b@example.org", categories=["cs.LG"], topics=["7"])
edition = model("digest", "Edition").objects.create(
    kind="daily_digest", key="daily-2026-06-12", subject="Today", paper_ids=[papers[0].pk]
)
lease = model("digest", "SendLease").objects.create(token=uuid.uuid4())
Delivery = model("digest", "Delivery")
Delivery.objects.create(subscriber=confirmed, edition=edition, status="sent", sent_at=now)
Delivery.objects.create(
    subscriber=None, edition=edition, status="claimed", claim_token=lease.token
)

model("digest", "Bookmark").objects.create(user=reader, paper=papers[0])
model("digest", "Upvote").objects.create(user=reader, paper=papers[1])
model("digest", "Follow").objects.create(user=reader, kind="category", key="cs.LG")
model("digest", "PaperView").objects.create(paper=papers[0], day=now.date(), count=3)

draft = model("digest", "Draft").objects.create(
    week_start=datetime.date(2026, 6, 8), title="Roundup", status="published",
    published_at=now, flags=[{"kind": "number", "text": "42"}], updated_by=editor,
)
items = [
    model("digest", "DraftItem").objects.create(
        draft=draft, paper=paper, position=n, section_md=f"Section {n}", origin="llm",
        evidence=[{"sentence": "s", "score": 0.5}],
    )
    for n, paper in enumerate(papers)
]
model("digest", "Revision").objects.create(draft=draft, number=1, author=editor, snapshot={})
model("digest", "LLMCall").objects.create(
    draft=draft, item=items[0], purpose="section", backend="openai", prompt_tokens=10
)
log = model("digest", "ResearchLog").objects.create(
    draft=draft, number=1, slug="1-roundup", title="Roundup", body_md="# Hi",
    body_html="<h1>Hi</h1>", published_at=now,
)
log.papers.set(papers)
model("admin", "LogEntry").objects.create(
    user=editor, action_flag=1, object_id=str(log.pk), object_repr="Research Log #001",
    content_type=model("contenttypes", "ContentType").objects.get(
        app_label="digest", model="researchlog"
    ),
)
"""

DUMP_TABLES = """
import json
from django.db import connection

rows = {}
with connection.cursor() as cursor:
    for table in TABLES:
        cursor.execute(f"SELECT to_jsonb(t)::text FROM {table} AS t ORDER BY 1")
        rows[table] = [line for (line,) in cursor.fetchall()]
print("ROWS" + json.dumps(rows))
"""

READ_WITH_NEW_MODELS = """
import json
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from mailing.models import Delivery, Edition, SendLease, Subscriber
from reader.models import Bookmark, Follow, PaperView, Upvote
from writing.models import Draft, DraftItem, LLMCall, ResearchLog, Revision

models = [Subscriber, Edition, Delivery, SendLease, Bookmark, Upvote, Follow, PaperView,
          Draft, DraftItem, Revision, LLMCall, ResearchLog]
edited = LogEntry.objects.get().get_edited_object()
editor, reader = User.objects.get(username="editor"), User.objects.get(username="reader")
print("NEW" + json.dumps({
    "counts": {m._meta.label: m.objects.count() for m in models},
    "log_papers": sorted(ResearchLog.objects.get().papers.values_list("arxiv_id", flat=True)),
    "delivery_emails": sorted(str(d.subscriber and d.subscriber.email)
                              for d in Delivery.objects.all()),
    "editor_may_publish": editor.has_perm("writing.publish_draft"),
    "editor_may_edit_items": editor.has_perm("writing.change_draftitem"),
    "reader_may_view_subscribers": reader.has_perm("mailing.view_subscriber"),
    "log_entry_object": f"{type(edited).__module__}.{edited.slug}",
    "labels_left_in_digest": sorted(
        ContentType.objects.filter(app_label="digest").values_list("model", flat=True)
    ),
}))
"""


def _manage(*args: str, database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**_child_environment(), "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _child_environment() -> dict[str, str]:
    import os

    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "digest.settings",
    }


def _shell(code: str, *, database_url: str, marker: str) -> Any:
    out = _manage("shell", "-c", code, database_url=database_url)
    line = next(line for line in out.splitlines() if line.startswith(marker))
    return json.loads(line.removeprefix(marker))


@pytest.fixture
def scratch_database_url(django_db_blocker: Any) -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    with django_db_blocker.unblock():
        name = f"{connection.settings_dict['NAME']}_forward"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        base = celery_worker.test_database_url()
    url = base.replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    try:
        yield url
    finally:
        with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_from_before_the_split_migrates_forward_with_every_row_kept(
    scratch_database_url: str,
) -> None:
    dump = f"TABLES = {MOVED_TABLES!r}\n{DUMP_TABLES}"
    _manage("shell", "-c", BUILD_OLD_DATABASE, database_url=scratch_database_url)
    before = _shell(dump, database_url=scratch_database_url, marker="ROWS")
    assert all(before[table] for table in MOVED_TABLES), "every table holds a sample row"

    _manage("migrate", "--noinput", database_url=scratch_database_url)

    assert _shell(dump, database_url=scratch_database_url, marker="ROWS") == before
    new = _shell(READ_WITH_NEW_MODELS, database_url=scratch_database_url, marker="NEW")
    assert new["counts"] == {
        "mailing.Subscriber": 2,
        "mailing.Edition": 1,
        "mailing.Delivery": 2,
        "mailing.SendLease": 1,
        "reader.Bookmark": 1,
        "reader.Upvote": 1,
        "reader.Follow": 1,
        "reader.PaperView": 1,
        "writing.Draft": 1,
        "writing.DraftItem": 2,
        "writing.Revision": 1,
        "writing.LLMCall": 1,
        "writing.ResearchLog": 1,
    }
    assert new["log_papers"] == ["2606.00001", "2606.00002"]
    assert new["delivery_emails"] == ["None", "a@example.org"]
    assert new["editor_may_publish"] and new["editor_may_edit_items"]
    assert new["reader_may_view_subscribers"]
    assert new["log_entry_object"] == "writing.models.1-roundup"
    assert new["labels_left_in_digest"] == []
