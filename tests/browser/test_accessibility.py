"""axe-core in every kind of page, light and dark: no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from papers.models import Paper
from tests.browser.harness import Browser
from tests.web.conftest import MakePapers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["light", "dark"])
def color_scheme(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_kind_of_page_has_no_serious_accessibility_violation(
    browser: Browser, make_papers: MakePapers, color_scheme: str
) -> None:
    papers: list[Paper] = make_papers(25)
    paper = papers[0]
    pages = {
        "home": "/",
        "home-month": "/?window=month",
        "paper": f"/papers/{paper.arxiv_id}/",
        "author": f"/authors/{paper.ordered_authors[0].pk}/",
        "category": "/categories/cs.CL/",
        "search-empty": "/search",
        "search-error": "/search?date_from=2026-99-01&q=x",
        "trending": "/trending/?window=week",
        "about-trending": "/about/trending/",
        "pulse": "/pulse/",
        "not-found": "/papers/2699.99999/",
        "password-reset": "/accounts/password_reset/",
    }
    failures = {}
    for name, url in pages.items():
        browser.run(lambda page, url=url: page.goto(url))
        browser.screenshot(f"{color_scheme}-{name}")
        if violations := browser.axe_violations():
            failures[url] = violations
    assert failures == {}


def test_the_check_reports_a_page_with_violations(browser: Browser) -> None:
    def broken_page(page: Any) -> None:
        page.goto("/")
        page.evaluate(
            """() => {
                document.querySelector("main").insertAdjacentHTML("afterbegin",
                    '<img src="/static/nothing.png"><input type="text">'
                    + '<p style="color:#eee;background:#fff">faint</p>');
            }"""
        )

    browser.run(broken_page)

    found = {v["id"] for v in browser.axe_violations()}
    assert {"image-alt", "label", "color-contrast"} <= found
