"""A reader in a real browser: sign up, bookmark and upvote; subscribe and confirm by email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from mailing.models import Subscriber
from reader.models import Bookmark, Upvote
from tests.browser.harness import Browser
from tests.helpers.celery_worker import CeleryWorker
from tests.mailing.conftest import Mailbox
from tests.mailing.mail_helpers import links, site_path
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-reading-lamp-42"


def test_a_reader_signs_up_then_bookmarks_and_upvotes_without_reloading(
    browser: Browser, make_papers: MakePapers
) -> None:
    first, second = make_papers(2)

    def sign_up(page: Any) -> str:
        page.goto("/accounts/signup/")
        form = page.locator("main form")
        form.get_by_label("Username").fill("ada")
        form.get_by_label("Email").fill("ada@example.org")
        form.locator("#id_password1").fill(PASSWORD)
        form.locator("#id_password2").fill(PASSWORD)
        form.get_by_role("button", name="Create account").click()
        page.wait_for_url("**/me/papers/")
        return page.locator("h1").inner_text()

    assert browser.run(sign_up) == "My papers"
    browser.assert_accessible("my papers, empty")
    browser.screenshot("my-papers-empty")

    def bookmark_on_the_paper_page(page: Any) -> dict[str, Any]:
        page.goto(f"/papers/{first.arxiv_id}/")
        page.evaluate("window.notReloaded = true")
        page.locator(".actions").get_by_role("button", name="☆ Bookmark").click()
        page.locator(".actions").get_by_role("button", name="★ Bookmarked").wait_for()
        pressed = page.locator(".actions").get_by_role("button", name="★ Bookmarked")
        return {"pressed": pressed.get_attribute("aria-pressed"),
                "same_page": page.evaluate("window.notReloaded === true")}  # fmt: skip

    assert browser.run(bookmark_on_the_paper_page) == {"pressed": "true", "same_page": True}
    browser.screenshot("paper-bookmarked")

    def upvote_a_card_on_the_home_page(page: Any) -> str:
        page.goto("/")
        card = page.locator("li.card", has=page.locator(f'a[href="/papers/{second.arxiv_id}/"]'))
        card.get_by_role("button", name=re.compile("Upvote")).click()
        voted = card.get_by_role("button", name=re.compile("Upvoted"))
        voted.wait_for()
        return voted.inner_text()

    voted = browser.run(upvote_a_card_on_the_home_page)
    assert voted.startswith("▲ Upvoted") and voted.split()[-1] == "1"  # the site's count
    browser.screenshot("home-signed-in")
    browser.assert_accessible("home page, signed in")

    user = get_user_model().objects.get(username="ada")
    assert list(Bookmark.objects.filter(user=user).values_list("paper_id", flat=True)) == [first.pk]
    assert list(Upvote.objects.filter(user=user).values_list("paper_id", flat=True)) == [second.pk]

    def my_papers(page: Any) -> str:
        page.goto("/me/papers/")
        return page.locator("main").inner_text()

    mine = browser.run(my_papers)
    assert "Paper 0 on" in mine and "Paper 1 on" in mine
    browser.screenshot("my-papers")
    browser.assert_accessible("my papers")


@pytest.mark.celery_worker
def test_a_reader_subscribes_and_confirms_through_the_email_they_receive(
    browser: Browser, mail_worker: CeleryWorker, mailbox: Mailbox
) -> None:
    def subscribe(page: Any) -> str:
        page.goto("/")
        form = page.locator("form.subscribe")
        form.get_by_label("Email").fill("reader@example.org")
        form.get_by_role("button", name="Subscribe").click()
        page.get_by_text("a message is on its way").wait_for()
        return page.url

    assert browser.run(subscribe).endswith("/")  # answered in place by htmx
    browser.screenshot("subscribed")
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "reader@example.org"
    assert Subscriber.objects.get(email="reader@example.org").confirmed_at is None
    confirm = next(url for url in links(message) if "/confirm/" in url)

    def confirm_by_the_link(page: Any) -> str:
        page.goto(site_path(confirm))
        page.get_by_role("button", name="Confirm my subscription").click()
        page.get_by_role("heading", name="You are subscribed").wait_for()
        return page.locator("main").inner_text()

    assert "your address is confirmed" in browser.run(confirm_by_the_link)
    browser.screenshot("confirmed")
    browser.assert_accessible("subscription confirmed")
    assert Subscriber.objects.get(email="reader@example.org").confirmed_at is not None


def test_the_sign_up_and_sign_in_forms_are_accessible(browser: Browser) -> None:
    for url, name in (("/accounts/signup/", "signup"), ("/accounts/login/", "login")):
        browser.run(lambda page, url=url: page.goto(url))
        browser.screenshot(name)
        browser.assert_accessible(url)
