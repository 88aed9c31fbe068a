"""Accounts: sign up, sign in and out, password reset by email, bookmarks, upvotes, follows."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from reader.models import Bookmark, Follow, Upvote
from tests.mailing.factories import SubscriberFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-reading-lamp-42"


def _signup(client: Client, username: str = "ada", email: str = "ada@example.org") -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/me/papers/"


def test_signup_signs_in_and_bookmarks_and_upvotes_are_idempotent(
    client: Client, make_papers: MakePapers
) -> None:
    paper, other = make_papers(2)
    _signup(client)
    client.post("/accounts/logout/")
    assert (
        client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})["Location"]
        == "/me/papers/"
    )

    for _ in range(2):  # a double click stores one bookmark and one vote
        client.post(f"/me/bookmarks/{paper.pk}/", {"on": "1"})
        client.post(f"/me/upvotes/{paper.pk}/", {"on": "1"})
    client.post(f"/me/upvotes/{other.pk}/", {"on": "1"})
    client.post(f"/me/upvotes/{other.pk}/", {"on": "0"})

    assert Bookmark.objects.filter(paper=paper).count() == 1
    assert list(Upvote.objects.values_list("paper_id", flat=True)) == [paper.pk]
    html = client.get("/me/papers/").content.decode()
    assert html.count(f'href="/papers/{paper.arxiv_id}/"') == 2  # bookmarked and upvoted
    assert other.arxiv_id not in html
    page = client.get(f"/papers/{paper.arxiv_id}/").content.decode()
    assert "★ Bookmarked" in page and 'aria-pressed="true"' in page


def test_an_htmx_toggle_answers_with_the_button_alone(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    _signup(client)

    response = client.post(
        f"/me/upvotes/{paper.pk}/", {"on": "1", "next": "/"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("<form")
    assert "Upvoted" in html and '<span class="muted">1</span>' in html
    assert 'name="on" value="0"' in html  # the next click withdraws the vote


def test_a_plain_form_post_goes_back_but_never_off_site(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    _signup(client)

    back = client.post(f"/me/bookmarks/{paper.pk}/", {"on": "1", "next": "/categories/cs.CL/"})
    away = client.post(f"/me/bookmarks/{paper.pk}/", {"on": "1", "next": "https://evil.test/"})

    assert back["Location"] == "/categories/cs.CL/"
    assert away["Location"] == f"/papers/{paper.arxiv_id}/"


def test_anonymous_readers_are_sent_to_sign_in(client: Client, make_papers: MakePapers) -> None:
    (paper,) = make_papers(1)

    response = client.post(f"/me/bookmarks/{paper.pk}/", {"on": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert client.get("/me/papers/")["Location"].startswith("/accounts/login/")
    assert not Bookmark.objects.exists()


def test_reader_actions_need_the_csrf_token(make_papers: MakePapers) -> None:
    (paper,) = make_papers(1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_user("eve", "eve@example.org", PASSWORD))

    response = client.post(f"/me/bookmarks/{paper.pk}/", {"on": "1"})

    assert response.status_code == 403 and not Bookmark.objects.exists()


def test_following_feeds_the_readers_email_digest(client: Client) -> None:
    subscriber = SubscriberFactory(email="ada@example.org", categories=[], topics=[])
    _signup(client)

    client.post("/me/follows/", {"kind": "category", "key": "cs.LG", "on": "1"})
    client.post("/me/follows/", {"kind": "topic", "key": "7", "on": "1"})
    client.post("/me/follows/", {"kind": "topic", "key": "7", "on": "1"})
    bad = client.post("/me/follows/", {"kind": "category", "key": "../etc", "on": "1"})

    subscriber.refresh_from_db()
    assert bad.status_code == 400
    assert Follow.objects.count() == 2
    assert subscriber.categories == ["cs.LG"] and subscriber.topics == ["7"]
    assert "cs.LG" in client.get("/me/papers/").content.decode()


def test_password_reset_sends_a_working_link_by_email(client: Client) -> None:
    get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)

    response = client.post("/accounts/password_reset/", {"email": "ada@example.org"})

    assert response["Location"] == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"] and "Research Digest" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key
    new = "x-brand-new-pw-9"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/accounts/reset/done/"
    assert client.login(username="ada", password="x-brand-new-pw-9")


def test_account_pages_render_in_the_site_design(client: Client) -> None:
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"):
        response = client.get(url)
        assert response.status_code == 200 and 'class="site-header"' in response.content.decode()
