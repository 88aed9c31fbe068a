"""Upvote and bookmark buttons on every list card: htmx, with a plain-form fallback."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from reader.services import bookmark_set, upvote_set
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


def _signed_in(client: Client) -> object:
    user = get_user_model().objects.create(username="ada", email="ada@example.org")
    client.force_login(user)
    return user


def test_anonymous_cards_link_to_sign_in_and_show_the_site_votes(
    client: Client, make_papers: MakePapers
) -> None:
    _, second = make_papers(2)
    other = get_user_model().objects.create(username="bo", email="bo@example.org")
    upvote_set(user=other, paper=second, on=True)

    html = client.get("/").content.decode()

    assert html.count('href="/accounts/login/?next=/">▲ Upvote') == 2
    assert html.count('href="/accounts/login/?next=/">☆ Bookmark') == 2
    assert 'hx-post="/me/' not in html
    card = html[html.index(f"/papers/{second.arxiv_id}/") :]
    assert re.search(r'▲ Upvote<span class="visually-hidden"> \(sign in\)</span></a> '
                     r'<span class="muted">1</span>', card)  # fmt: skip


def test_signed_in_cards_carry_htmx_forms_that_show_what_the_reader_did(
    client: Client, make_papers: MakePapers
) -> None:
    first, second = make_papers(2)
    user = _signed_in(client)
    bookmark_set(user=user, paper=first, on=True)
    upvote_set(user=user, paper=second, on=True)

    html = client.get("/").content.decode()

    for paper in (first, second):
        for action in ("bookmarks", "upvotes"):
            url = f"/me/{action}/{paper.pk}/"
            assert f'method="post" action="{url}" hx-post="{url}" hx-swap="outerHTML"' in html
    first_card = html[html.index(f"/papers/{first.arxiv_id}/") : html.index(second.arxiv_id)]
    assert "★ Bookmarked" in first_card and "▲ Upvote<" in first_card
    second_card = html[html.index(f"/papers/{second.arxiv_id}/") :]
    assert "☆ Bookmark<" in second_card and "▲ Upvoted<" in second_card
    assert html.count('name="compact" value="1"') == 4


def test_a_card_button_swapped_by_htmx_stays_compact(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    _signed_in(client)

    response = client.post(
        f"/me/bookmarks/{paper.pk}/",
        {"on": "1", "next": "/", "compact": "1"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.startswith("<form") and "★ Bookmarked" in html
    assert 'name="compact" value="1"' in html and 'value="0"' in html  # next click removes


def test_a_card_button_without_javascript_posts_and_comes_back(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    user = _signed_in(client)

    response = client.post(f"/me/upvotes/{paper.pk}/", {"on": "1", "next": "/?window=week"})

    assert response.status_code == 302 and response["Location"] == "/?window=week"
    assert user.upvotes.filter(paper=paper).exists()
    assert "▲ Upvoted" in client.get("/").content.decode()


def test_the_cached_home_list_still_shows_fresh_vote_counts_and_marks(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    user = _signed_in(client)
    assert "▲ Upvote<" in client.get("/").content.decode()  # the list is now cached
    other = get_user_model().objects.create(username="bo", email="bo@example.org")
    upvote_set(user=other, paper=paper, on=True)
    upvote_set(user=user, paper=paper, on=True)

    html = client.get("/").content.decode()

    assert "▲ Upvoted<" in html and '<span class="muted">2</span>' in html
