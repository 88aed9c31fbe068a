"""A reader in a real browser: bookmarks three papers, opens "For you", reads the reasons,
marks one "not for me" and sees it go; follows an author; saves a search with an exclusion;
exports the bookmarks as BibTeX."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import bibtexparser
import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from papers.models import Authorship, Paper, PaperEmbedding
from reader.models import Bookmark, Feedback, Follow
from search.models import SavedSearch
from tests.browser.harness import Browser
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-reading-lamp-42"


def _paper(title: str, axis: int, *, days_ago: int, author: str) -> Paper:
    day = timezone.localdate() - timedelta(days=days_ago)
    paper = PaperFactory(
        title=title, announced_on=day, submitted_at=datetime.combine(day, datetime.min.time(), UTC)
    )
    vector = np.zeros(384, dtype=np.float32)
    vector[axis], vector[axis + 1] = 1.0, 0.3 * (days_ago == 0)
    PaperEmbedding.objects.create(
        paper=paper, model_name=settings.EMBEDDING_MODEL,
        vector=vector / np.linalg.norm(vector), text_hash="x",
    )  # fmt: skip
    Authorship.objects.create(paper=paper, author=AuthorFactory(name=author), position=0)
    return paper


def _sign_in(page: Any) -> None:
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill("ada")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.locator(".account").get_by_role("button", name="Sign out").wait_for()


def test_a_reader_gets_a_list_of_their_own_and_tells_it_what_is_not_for_them(
    browser: Browser, tmp_path: Path
) -> None:
    User.objects.create_user("ada", "ada@example.org", PASSWORD)
    kept = [
        _paper(f"Earlier paper {n}", axis=10 * n, days_ago=8, author=f"Writer {n}")
        for n in range(3)
    ]
    new = [
        _paper(f"Fresh paper {n}", axis=10 * n, days_ago=0, author=f"Writer {n}") for n in range(3)
    ]

    def bookmark_three(page: Any) -> None:
        _sign_in(page)
        for arxiv_id in kept_ids:
            page.goto(f"/papers/{arxiv_id}/")
            page.locator(".actions").get_by_role("button", name="☆ Bookmark").click()
            page.locator(".actions").get_by_role("button", name="★ Bookmarked").wait_for()

    kept_ids = [paper.arxiv_id for paper in kept]
    browser.run(bookmark_three)
    assert Bookmark.objects.count() == 3

    def open_for_you(page: Any) -> list[str]:
        page.locator(".account").get_by_role("link", name="For you").click()
        page.wait_for_url("**/for-you/")
        return page.locator(".card-why").all_inner_texts()

    reasons = browser.run(open_for_you)
    assert len(reasons) == 3
    assert all(
        re.fullmatch(r"Close to “Earlier paper \d”, which you bookmarked", r) for r in reasons
    )
    browser.assert_accessible("for you")
    browser.screenshot("for-you")

    refused = new[1].pk

    def not_for_me(page: Any) -> dict[str, Any]:
        page.evaluate("window.notReloaded = true")
        card = page.locator(f"#foryou-{refused}")
        card.get_by_role("button", name=re.compile("^Not for me")).click()
        page.get_by_role("status").wait_for()
        note = page.get_by_role("status").inner_text()
        same_page = page.evaluate("window.notReloaded === true")
        page.reload()
        titles = page.locator(".card h2").all_inner_texts()
        return {"note": note, "same_page": same_page, "titles": titles}

    after = browser.run(not_for_me)
    assert after["note"].startswith("Hidden: “Fresh paper 1”") and after["same_page"]
    assert "Fresh paper 1" not in after["titles"] and len(after["titles"]) == 2
    assert Feedback.objects.get().paper == new[1]

    author = new[0].ordered_authors[0]
    first_id = new[0].arxiv_id

    def follow_the_author(page: Any) -> str:
        page.goto(f"/papers/{first_id}/")
        page.locator(".authors").get_by_role("link", name=author.name).click()
        page.get_by_role("button", name=f"Follow {author.name}").click()
        following = page.get_by_role("button", name=f"Following {author.name}")
        following.wait_for()
        return following.get_attribute("aria-pressed")

    assert browser.run(follow_the_author) == "true"
    assert Follow.objects.filter(kind="author", key=str(author.pk)).exists()

    def save_a_search_with_an_exclusion(page: Any) -> list[str]:
        page.goto("/search?q=" + quote("fresh paper -survey"))
        page.get_by_role("button", name="Save this search").click()
        page.wait_for_url("**/me/searches/")
        return page.locator(".saved-searches li").all_inner_texts()

    (saved,) = browser.run(save_a_search_with_an_exclusion)
    assert saved.startswith("fresh paper -survey")
    assert SavedSearch.objects.get().q == "fresh paper -survey"

    def export_bibtex(page: Any) -> str:
        page.goto("/me/papers/")
        with page.expect_download() as download:
            page.get_by_role("link", name="BibTeX").click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        return str(target)

    saved = Path(browser.run(export_bibtex))
    assert saved.name == "bookmarks.bib"
    entries = bibtexparser.loads(saved.read_text()).entries
    assert sorted(e["eprint"] for e in entries) == sorted(p.arxiv_id for p in kept)
    assert all(e["title"].startswith("{Earlier paper") for e in entries)
