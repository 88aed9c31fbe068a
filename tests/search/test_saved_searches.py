"""Saved searches as alerts: saved from the search page with the whole query language, new
matches in the daily email (through a real SMTP server) and in a private, revocable feed;
the same email carries the reader's "For you" papers with signed feedback links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from mailing.services import sending
from papers.models import Authorship, Paper, PaperEmbedding
from reader.models import Bookmark, Feedback
from search.models import SavedSearch
from search.saved import saved_search_matches
from search.services import bm25_index_papers
from tests.mailing.conftest import Mailbox
from tests.mailing.factories import SubscriberFactory
from tests.mailing.mail_helpers import links, parts, site_path
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 2)
QUERY = 'diffusion -survey author:"Ada Lovelace"'


def _paper(title: str, *, announced: date = DAY, author: str = "Ada Lovelace") -> Paper:
    paper = PaperFactory(
        title=title, title_text=title, abstract_text=f"{title}. We study it.",
        announced_on=announced, primary_category="cs.LG", categories=["cs.LG"],
        submitted_at=datetime.combine(announced - timedelta(days=1), datetime.min.time(), UTC),
    )  # fmt: skip
    Authorship.objects.create(paper=paper, author=AuthorFactory(name=author), position=0)
    return paper


@pytest.fixture
def papers() -> dict[str, Paper]:
    found = {
        "match": _paper("Diffusion models for proteins"),
        "survey": _paper("A survey of diffusion models"),
        "other author": _paper("Diffusion for images", author="Alan Turing"),
        "yesterday": _paper("Diffusion in graphs", announced=DAY - timedelta(days=1)),
    }
    bm25_index_papers()
    return found


@pytest.fixture
def reader(client: Client) -> User:
    user = User.objects.create_user("ada", "ada@example.org", "pw-long-enough-1")
    client.force_login(user)
    return user


def test_saving_a_search_keeps_the_whole_query_once(client: Client, reader: User) -> None:
    for _ in range(2):
        response = client.post("/search/save", {"q": f"  {QUERY} ", "cat": "cs.LG"})
        assert response.status_code == 302 and response["Location"] == "/me/searches/"

    saved = SavedSearch.objects.get()
    assert (saved.q, saved.categories, saved.user) == (QUERY, "cs.LG", reader)
    assert len(saved.feed_token) >= 32
    page = client.get("/me/searches/").content.decode()
    assert "diffusion -survey" in page and f"/feeds/searches/{saved.feed_token}.rss" in page
    assert client.post("/search/save", {"q": "after:2026-13-45"}).status_code == 400
    assert client.post("/search/save", {"q": "  "}).status_code == 400


def test_the_search_page_offers_to_save_only_to_a_signed_in_reader(
    client: Client, papers: dict[str, Paper]
) -> None:
    assert "Save this search" not in client.get("/search?q=diffusion").content.decode()
    client.force_login(User.objects.create_user("x", "x@example.org", "pw-long-enough-1"))
    assert "Save this search" in client.get("/search?q=diffusion").content.decode()


def test_new_matches_are_the_days_papers_the_search_finds(
    reader: User, papers: dict[str, Paper]
) -> None:
    saved = SavedSearch.objects.create(user=reader, q=QUERY)

    assert saved_search_matches(saved=saved, since=DAY, until=DAY) == [papers["match"]]
    week = saved_search_matches(saved=saved, since=DAY - timedelta(days=6), until=DAY)
    assert week == [papers["match"], papers["yesterday"]]


def test_the_private_feed_lists_matches_and_dies_when_rotated(
    client: Client, reader: User, papers: dict[str, Paper], settings: object
) -> None:
    today = date.today()
    Paper.objects.update(
        announced_on=today, submitted_at=datetime.combine(today, datetime.min.time(), UTC)
    )
    saved = SavedSearch.objects.create(user=reader, q=QUERY)
    url = f"/feeds/searches/{saved.feed_token}.rss"
    client.logout()  # a feed reader has no session

    feed = client.get(url)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/rss+xml")
    body = feed.content.decode()
    assert (
        "Diffusion models for proteins" in body
        and "survey" not in body.lower().split("<item>", 1)[1]
    )
    assert "Alan Turing" not in body
    client.force_login(reader)
    assert client.post(f"/me/searches/{saved.pk}/rotate").status_code == 302
    client.logout()

    assert client.get(url).status_code == 404
    saved.refresh_from_db()
    assert client.get(f"/feeds/searches/{saved.feed_token}.rss").status_code == 200
    assert client.get("/feeds/searches/not-a-token.rss").status_code == 404


def test_another_reader_cannot_touch_my_saved_search(
    client: Client, reader: User, papers: dict[str, Paper]
) -> None:
    saved = SavedSearch.objects.create(user=reader, q=QUERY)
    client.force_login(User.objects.create_user("eve", "eve@example.org", "pw-long-enough-1"))

    assert client.post(f"/me/searches/{saved.pk}/delete").status_code == 404
    assert client.post(f"/me/searches/{saved.pk}/rotate").status_code == 404
    assert SavedSearch.objects.filter(feed_token=saved.feed_token).exists()


def test_the_daily_email_brings_the_new_matches_and_the_for_you_papers(
    client: Client, reader: User, papers: dict[str, Paper], mailbox: Mailbox
) -> None:
    SavedSearch.objects.create(user=reader, q=QUERY)
    for n, paper in enumerate(Paper.objects.order_by("pk")):
        vector = [0.0] * 384
        vector[n] = 1.0
        PaperEmbedding.objects.create(
            paper=paper, model_name=settings.EMBEDDING_MODEL, vector=vector, text_hash="x"
        )
    Bookmark.objects.create(user=reader, paper=papers["yesterday"])
    SubscriberFactory(email="ada@example.org", categories=[], topics=[])
    SubscriberFactory(email="nobody@example.org", categories=[], topics=[])

    edition = sending.edition_daily_digest(day=DAY)
    for batch in sending.edition_prepare(edition=edition):
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)

    (mine,) = mailbox.to("ada@example.org")
    (theirs,) = mailbox.to("nobody@example.org")
    text, rich = parts(mine)
    assert 'NEW FOR YOUR SEARCH "diffusion -survey author:"Ada Lovelace"" (1)' in text
    section = text.split("NEW FOR YOUR SEARCH", 1)[1].split("Your saved searches:", 1)[0]
    assert "Diffusion models for proteins" in section and "survey of" not in section
    assert "FOR YOU" in text and "Why: Close to “Diffusion in graphs”, which you bookmarked" in text
    assert "More like this" in rich and "Not for me" in rich
    assert "FOR YOU" not in parts(theirs)[0] and "NEW FOR YOUR SEARCH" not in parts(theirs)[0]
    less = sorted(url for url in links(mine) if "/for-you/feedback/signed/" in url)
    assert len(less) == 2 * text.count("Not for me: ")
    not_for_me = text.split("Not for me: ", 1)[1].splitlines()[0].strip()
    assert not_for_me in links(mine)
    assert client.post(site_path(not_for_me)).status_code == 200
    assert Feedback.objects.get(user=reader).kind == "less"
