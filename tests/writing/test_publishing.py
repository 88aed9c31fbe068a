"""Publishing: once, numbered in order, a permalink, feeds, the email event, paper pages."""

from __future__ import annotations

from datetime import timedelta
from threading import Barrier, Thread

import feedparser
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from mailing.models import Delivery, Edition
from papers.models import Paper
from tests.mailing.factories import SubscriberFactory
from tests.writing.conftest import WEEK
from writing.models import Draft, ResearchLog
from writing.services import drafting, publishing

pytestmark = pytest.mark.django_db


def _written(week=WEEK, count: int = 2) -> Draft:
    draft = drafting.draft_prepare(week_start=week, item_count=count)
    return drafting.draft_write(draft_id=draft.pk, client=None)


def test_publishing_numbers_the_log_and_gives_it_a_permalink(
    week_papers: list[Paper], client: Client
) -> None:
    log = publishing.draft_publish(draft_id=_written().pk)

    assert (log.number, log.slug, log.display_number) == (
        1,
        "1-retrieval-and-scaling",
        "Research Log #001",
    )
    assert log.body_md.startswith("# Research Log #001: Retrieval")
    assert "## Pulse of AI" in log.body_md and "## Introduction" in log.body_md
    assert set(log.papers.all()) == set(week_papers[:2])
    page = client.get(f"/logs/{log.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Research Log #001" in html and '<h2 id="pulse-of-ai">Pulse of AI</h2>' in html
    assert f'href="{week_papers[0].abs_url}"' in html
    assert client.get("/logs/1/").headers["Location"] == f"/logs/{log.slug}/"
    index = client.get("/logs/").content.decode()
    assert f'href="/logs/{log.slug}/"' in index


def test_publishing_twice_publishes_once(week_papers: list[Paper]) -> None:
    draft = _written()
    first = publishing.draft_publish(draft_id=draft.pk)
    second = publishing.draft_publish(draft_id=draft.pk)

    assert first.pk == second.pk and ResearchLog.objects.count() == 1
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_two_publishers_racing_make_one_log_and_two_drafts_get_consecutive_numbers(
    week_papers: list[Paper],
) -> None:
    # The next week has no papers of its own; give it one so that it can be drafted.
    Paper.objects.filter(pk=week_papers[9].pk).update(announced_on=WEEK + timedelta(days=8))
    drafts = [_written(), _written(week=WEEK + timedelta(days=7), count=1)]
    barrier, numbers, errors = Barrier(3), [], []

    def publish(draft_id: int) -> None:
        try:
            barrier.wait()
            numbers.append(publishing.draft_publish(draft_id=draft_id).number)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [Thread(target=publish, args=(d.pk,)) for d in (drafts[0], drafts[0], drafts[1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ResearchLog.objects.count() == 2
    assert sorted(ResearchLog.objects.values_list("number", flat=True)) == [1, 2]
    assert sorted(set(numbers)) == [1, 2]


def test_a_scheduled_draft_is_published_by_the_beat_task_when_due(
    week_papers: list[Paper], django_user_model: type[User]
) -> None:
    user = django_user_model.objects.create_user("e", password="x")
    draft = _written()
    at = timezone.now() + timedelta(hours=1)
    publishing.draft_schedule(draft_id=draft.pk, expected_version=draft.version, at=at, user=user)

    assert publishing.logs_publish_due() == []
    assert publishing.logs_publish_due(now=at + timedelta(minutes=1)) == [1]
    assert publishing.logs_publish_due(now=at + timedelta(minutes=6)) == []
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.PUBLISHED


def test_a_scheduled_draft_that_became_blocked_goes_back_to_draft_with_the_reason(
    week_papers: list[Paper], django_user_model: type[User]
) -> None:
    user = django_user_model.objects.create_user("e", password="x")
    draft = _written()
    at = timezone.now() + timedelta(hours=1)
    publishing.draft_schedule(draft_id=draft.pk, expected_version=draft.version, at=at, user=user)
    item = draft.items.first()
    item.flags = [{"kind": "number", "text": "99", "message": "no source", "blocking": True}]
    item.save()

    assert publishing.logs_publish_due(now=at + timedelta(minutes=1)) == []
    draft.refresh_from_db()
    assert draft.status == Draft.Status.DRAFT and "99" in draft.publish_error
    assert not ResearchLog.objects.exists()


def test_acknowledged_flags_no_longer_block(week_papers: list[Paper], django_user_model) -> None:
    user = django_user_model.objects.create_user("e", password="x")
    draft = _written()
    item = draft.items.first()
    item.flags = [{"kind": "number", "text": "99", "message": "no source", "blocking": True}]
    item.save()
    assert publishing.publish_blockers(draft=draft)
    item.flags_acknowledged_by = user
    item.save()
    assert publishing.publish_blockers(draft=draft) == []


def test_publishing_sends_the_log_to_the_weekly_list_after_commit(
    week_papers: list[Paper], django_capture_on_commit_callbacks: object
) -> None:
    SubscriberFactory(email="weekly@example.org", weekly_log=True)
    draft = _written()
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        log = publishing.draft_publish(draft_id=draft.pk)
    assert len(callbacks) == 1  # the email task, enqueued only once the log is committed

    publishing.research_log_email(log_id=log.pk)
    publishing.research_log_email(log_id=log.pk)  # a retried task

    edition = Edition.objects.get(key="log-1")
    assert edition.kind == Edition.Kind.WEEKLY_LOG
    assert edition.subject == "Research Log #001: Retrieval and Scaling"
    assert "Pulse of AI" in edition.body_html
    assert Delivery.objects.filter(edition=edition).count() == 1


def test_the_rss_and_atom_feeds_list_published_logs_and_parse(
    week_papers: list[Paper], client: Client
) -> None:
    publishing.draft_publish(draft_id=_written().pk)
    for url in ("/feeds/logs.rss", "/feeds/logs.atom"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [e.title for e in parsed.entries] == ["Research Log #001: Retrieval and Scaling"]
        assert parsed.entries[0].link.endswith("/logs/1-retrieval-and-scaling/")
    assert "rss" in feedparser.parse(client.get("/feeds/logs.rss").content).version
    assert feedparser.parse(client.get("/feeds/logs.atom").content).version == "atom10"


def test_the_paper_page_lists_the_research_logs_that_discuss_it(
    week_papers: list[Paper], client: Client
) -> None:
    log = publishing.draft_publish(draft_id=_written().pk)
    html = client.get(f"/papers/{week_papers[0].arxiv_id}/").content.decode()
    assert "Research logs that discuss it" in html and f'href="/logs/{log.slug}/"' in html
    other = client.get(f"/papers/{week_papers[5].arxiv_id}/").content.decode()
    assert "Research logs that discuss it" not in other


def test_markdown_in_a_log_cannot_inject_html(week_papers: list[Paper]) -> None:
    draft = _written()
    Draft.objects.filter(pk=draft.pk).update(
        intro='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="y">'
    )
    log = publishing.draft_publish(draft_id=draft.pk)
    assert "<script>" not in log.body_html and "&lt;script&gt;" in log.body_html
    assert 'href="javascript' not in log.body_html and "<img" not in log.body_html
