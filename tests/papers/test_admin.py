from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from papers.models import HarvestRun
from papers.services import papers_upsert
from tests.papers.factories import ArxivRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    User.objects.create_superuser("admin", "admin@example.org", "a-long-test-password")
    client = Client()
    client.login(username="admin", password="a-long-test-password")
    return client


def test_the_admin_lists_papers_with_search_and_filters(admin_client: Client) -> None:
    papers_upsert(records=[ArxivRecordFactory.build(title="Sparse attention for <b>all</b>")])
    papers_upsert(records=[ArxivRecordFactory.build(title="Unrelated", primary_category="cs.CV")])
    response = admin_client.get(
        "/admin/papers/paper/", {"q": "sparse", "primary_category": "cs.LG"}
    )
    assert response.status_code == 200
    assert b"Sparse attention for &lt;b&gt;all&lt;/b&gt;" in response.content
    assert b"Unrelated" not in response.content


def test_the_admin_lists_harvest_runs_and_completeness(admin_client: Client) -> None:
    HarvestRun.objects.create(source="hf", status="failed", error="HTTP 503 from upstream")
    response = admin_client.get("/admin/papers/harvestrun/")
    assert response.status_code == 200
    assert b"HTTP 503 from upstream" in response.content
    assert admin_client.get("/admin/papers/announcementday/").status_code == 200


def test_the_admin_is_closed_to_anonymous_visitors() -> None:
    response = Client().get("/admin/papers/paper/")
    assert response.status_code == 302


def test_the_admin_shows_what_moved_a_paper(admin_client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from papers.models import Paper, TrendingSignal

    papers_upsert(records=[ArxivRecordFactory.build()])
    paper = Paper.objects.get()
    today = timezone.localdate()
    for back, votes in ((3, 40), (0, 52)):
        TrendingSignal.objects.create(
            source="hf", day=today - timedelta(days=back), paper=paper, rank=1, upvotes=votes
        )

    change = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    page = admin_client.get(f"/admin/papers/paper/{paper.pk}/trending/").content.decode()

    assert f"/admin/papers/paper/{paper.pk}/trending/" in change
    assert "<td>12</td>" in page and "<td>40</td>" in page  # new upvotes per day
    assert "12 upvotes on Hugging Face today" in page  # the day window's reason
    assert "52 upvotes on Hugging Face in the last 7 days; latest today" in page
