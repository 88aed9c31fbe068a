"""A reader in a real browser: the home page, infinite scroll, search as you type, LaTeX."""

from __future__ import annotations

import re
from typing import Any

import pytest

from papers.models import Paper
from search.services import bm25_index_papers
from tests.browser.harness import Browser
from tests.papers.factories import PaperFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db(transaction=True)


def _cards(page: Any) -> int:
    return page.locator("#cards li.card").count()


def test_the_home_page_loads_more_cards_as_the_reader_scrolls(
    browser: Browser, make_papers: MakePapers
) -> None:
    make_papers(45)

    def scroll_to_the_end(page: Any) -> list[int]:
        page.goto("/")
        seen = [_cards(page)]
        for expected in (40, 45):
            page.locator("#cards li.more").scroll_into_view_if_needed()
            # A locator, not wait_for_function: the CSP (rightly) refuses Playwright's eval.
            page.locator("#cards li.card").nth(expected - 1).wait_for()
            seen.append(_cards(page))
        return seen

    assert browser.run(scroll_to_the_end) == [20, 40, 45]
    assert browser.run(lambda page: page.locator("#cards li.more").count()) == 0
    assert browser.run(lambda page: page.url.endswith("/"))  # scrolling does not navigate
    browser.screenshot("home")
    browser.assert_accessible("home page after scrolling")


@pytest.fixture
def indexed_papers(make_papers: MakePapers) -> list[Paper]:
    papers = make_papers(3)
    papers.append(
        PaperFactory(
            title="Sparse mixture routing for long documents",
            abstract="We route tokens sparsely across experts for long-context reading.",
            abstract_text="We route tokens sparsely across experts for long-context reading.",
        )
    )
    bm25_index_papers()
    return papers


def test_search_updates_as_the_reader_types_keeps_the_url_and_the_back_button_works(
    browser: Browser, indexed_papers: list[Paper]
) -> None:
    def type_two_queries(page: Any) -> dict[str, Any]:
        searches: list[str] = []

        def count(request: Any) -> None:
            if "/search?" in request.url and request.headers.get("hx-request"):
                searches.append(request.url)

        page.on("request", count)
        page.goto("/search")
        box = page.locator("#q")
        box.press_sequentially("attention", delay=40)
        page.wait_for_url(re.compile(r"q=attention"))
        page.locator("#results article.hit").first.wait_for()
        first = {"url": page.url, "hits": page.locator("#results article.hit").count()}
        box.fill("")
        box.press_sequentially("sparse mixture", delay=40)
        page.wait_for_url(re.compile(r"q=sparse\+mixture|q=sparse%20mixture"))
        page.get_by_text("Sparse mixture routing", exact=False).first.wait_for()
        second = {"url": page.url, "hits": page.locator("#results article.hit").count()}
        page.go_back()
        page.wait_for_url(re.compile(r"q=attention$|q=attention&"))
        page.locator("#results article.hit").first.wait_for()
        back = {"box": box.input_value(), "text": page.locator("#results").inner_text()}
        return {"first": first, "second": second, "back": back, "searches": searches}

    seen = browser.run(type_two_queries)

    assert seen["first"]["hits"] == 3 and seen["second"]["hits"] == 1
    assert "Paper 0 on" in seen["back"]["text"] and "Sparse mixture" not in seen["back"]["text"]
    assert seen["back"]["box"] == "attention"  # the box shows the query of the URL again
    # Debounced: two queries typed letter by letter, not a request per letter.
    assert 2 <= len(seen["searches"]) <= 6, seen["searches"]
    browser.screenshot("search")
    browser.assert_accessible("search results")


def test_a_paper_page_renders_its_latex_with_katex(browser: Browser) -> None:
    paper = PaperFactory(
        title=r"Bounds for $\alpha$-divergences when $x^2 \le y$",
        abstract=r"We show $\sum_{i=1}^n x_i \le \sqrt{n}$ and $$E = mc^2$$ for all inputs.",
    )

    def open_paper(page: Any) -> dict[str, Any]:
        page.goto(f"/papers/{paper.arxiv_id}/")
        page.locator("h1 .katex").first.wait_for()
        return {
            "title_math": page.locator("h1 .katex").count(),
            "abstract_math": page.locator(".abstract .katex").count(),
            "display_math": page.locator(".abstract .katex-display").count(),
            "mathml": page.locator("h1 .katex-mathml annotation").first.text_content(),
            "raw_dollars": "$" in page.locator("h1").inner_text(),
            "errors": page.locator(".katex-error").count(),
        }

    rendered = browser.run(open_paper)

    assert rendered["title_math"] == 2 and rendered["abstract_math"] == 2
    assert rendered["display_math"] == 1 and rendered["errors"] == 0
    assert rendered["mathml"] == r"\alpha" and not rendered["raw_dollars"]
    browser.screenshot("paper")
    browser.assert_accessible("paper page")
