"""axe-core in every kind of page, light and dark: no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from papers.models import Paper
from tests.browser.harness import Browser
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])  # overrides the fixture
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
        "subscribe": "/subscribe/",
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


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    browser: Browser, make_papers: MakePapers
) -> None:
    (paper, *_) = make_papers(5)

    def widths(page: Any, url: str) -> tuple[int, int]:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url)
        return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")

    for name, url in (("home", "/"), ("paper", f"/papers/{paper.arxiv_id}/"),
                      ("search", "/search?q=attention")):  # fmt: skip
        scroll_width, viewport = browser.run(widths, url)
        browser.screenshot(f"phone-{name}")
        assert scroll_width <= viewport, f"{url} is {scroll_width}px wide on a {viewport}px phone"
