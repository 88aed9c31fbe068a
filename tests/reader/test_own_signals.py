"""The site's own signals (views, bookmarks, upvotes) enter the transparent trending score."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from papers.trending import OwnSignals, paper_trending_parts, trending_papers
from reader.models import Bookmark, PaperView, Upvote
from reader.services import bookmark_set, paper_view_record, upvote_set
from tests.papers.factories import PaperFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


def _readers(count: int) -> list[object]:
    model = get_user_model()
    return [model.objects.create(username=f"r{n}", email=f"r{n}@example.org") for n in range(count)]


def test_views_bookmarks_and_upvotes_made_today_count_in_todays_score(today: date) -> None:
    paper = PaperFactory(announced_on=today)
    for visitor in range(20):
        paper_view_record(paper_id=paper.pk, visitor=f"v{visitor}", day=today)
    first, second = _readers(2)
    bookmark_set(user=first, paper=paper, on=True)
    upvote_set(user=first, paper=paper, on=True)
    upvote_set(user=second, paper=paper, on=True)

    (entry,) = trending_papers(window="day", day=today)

    assert entry.paper == paper  # ranked with no Hugging Face signal at all
    assert entry.parts.own_signals == OwnSignals(views=20, bookmarks=1, upvotes=2)
    assert entry.parts.own_heat == pytest.approx(20 / 10 + 1 + 2)  # made today: not faded
    assert entry.parts.score == pytest.approx(math.log1p(20 / 10 + 1 + 2))


def test_own_signals_older_than_the_window_do_not_count(today: date) -> None:
    paper = PaperFactory(announced_on=today - timedelta(days=9))
    (reader,) = _readers(1)
    upvote_set(user=reader, paper=paper, on=True)
    Upvote.objects.update(created=timezone.now() - timedelta(days=8))
    PaperView.objects.create(paper=paper, day=today - timedelta(days=8), count=40)

    assert trending_papers(window="week", day=today) == []
    (entry,) = trending_papers(window="month", day=today)
    assert entry.parts.own_signals == OwnSignals(views=40, bookmarks=0, upvotes=1)


def test_a_bookmark_lifts_a_paper_above_an_equal_one(make_papers: MakePapers, today: date) -> None:
    first, second = make_papers(2)
    second.trending_signals.update(upvotes=100)
    first.trending_signals.update(upvotes=100, github_repo="")
    second.trending_signals.update(github_repo="")
    (reader,) = _readers(1)
    bookmark_set(user=reader, paper=second, on=True)

    ranked = trending_papers(window="day", day=today)

    assert [e.paper for e in ranked] == [second, first]
    assert ranked[0].parts.own_signals.bookmarks == 1 and ranked[1].parts.own_heat == 0


def test_a_visitor_viewing_a_paper_twice_a_day_counts_once(client: Client, today: date) -> None:
    paper = PaperFactory(announced_on=today)

    for _ in range(3):
        assert client.get(f"/papers/{paper.arxiv_id}/").status_code == 200
    Client(HTTP_USER_AGENT="another browser").get(f"/papers/{paper.arxiv_id}/")

    assert PaperView.objects.get(paper=paper, day=today).count == 2
    parts = paper_trending_parts(paper_id=paper.pk, window="week", day=today)
    assert parts is not None and parts.own_signals.views == 2


def test_the_paper_page_shows_the_parts_of_its_score(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)  # 100 Hugging Face upvotes, code
    (reader,) = _readers(1)
    bookmark_set(user=reader, paper=paper, on=True)

    first = client.get(f"/papers/{paper.arxiv_id}/").content.decode()
    second = Client(HTTP_USER_AGENT="b").get(f"/papers/{paper.arxiv_id}/").content.decode()

    assert "Trending this week" in first
    assert "= ln(1 + 101.00) + 0.5 for code" in first
    assert "100 new upvotes in the window, worth 100.00 after fading (HF ▲ 100 in all)" in first
    # The view is counted after the page is rendered: the second reader sees the first.
    assert "0 upvotes, 1 bookmark, 0 counted views, worth 1.00 after fading" in first
    assert "0 upvotes, 1 bookmark, 1 counted view, worth 1.10 after fading" in second
    assert Bookmark.objects.count() == 1


def test_a_paper_without_any_signal_says_so(client: Client) -> None:
    paper = PaperFactory()

    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()

    assert (
        "No upvote, bookmark or counted view in the last 7 days." in html
        and "Score</dt>" not in html
    )


def test_the_about_page_states_that_own_signals_count(client: Client) -> None:
    html = client.get("/about/trending/").content.decode()

    assert "views / 10 + bookmarks + upvotes" in html and "cannot sign in yet" not in html


def test_a_paper_page_is_shown_even_when_its_view_cannot_be_counted(
    client: Client, settings: Settings
) -> None:
    paper = PaperFactory()
    settings.CACHES = {  # a Redis that does not answer
        "default": {
            "BACKEND": "digest.lib.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get(f"/papers/{paper.arxiv_id}/")

    assert response.status_code == 200 and PaperView.objects.count() == 0
