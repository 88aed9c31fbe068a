"""Views from real browsers: a headless browser changes nothing, a reader's browser counts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from papers.trending import trending_papers
from reader.models import PaperView
from tests.browser.harness import Browser, BrowserThread
from tests.papers.factories import PaperFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db(transaction=True)

READERS_BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def readers_browser(
    browser_thread: BrowserThread, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    """Chromium as a person's browser presents itself: an ordinary user agent, and no
    ``navigator.webdriver`` (which automation sets)."""
    page = browser_thread.new_page(
        base_url=live_server.url, user_agent=READERS_BROWSER,
        init_script="Object.defineProperty(navigator, 'webdriver', {get: () => false})",
    )  # fmt: skip
    browser = Browser(thread=browser_thread, page=page, test_name=request.node.name)
    try:
        yield browser
    finally:
        browser.close()


def _ranking() -> list[tuple[int, float]]:
    return [(e.paper.pk, e.parts.score) for e in trending_papers(window="week", day=_today())]


def _today() -> Any:
    return timezone.localdate()


def test_a_headless_browser_reading_paper_pages_changes_no_ranking(
    browser: Browser, make_papers: MakePapers
) -> None:
    make_papers(3)
    target = PaperFactory(announced_on=_today())
    before = _ranking()

    def read(page: Any) -> str:
        page.goto(f"/papers/{target.arxiv_id}/")
        page.wait_for_timeout(3000)  # longer than the beacon's two seconds
        page.reload()
        page.wait_for_timeout(3000)
        return str(page.evaluate("navigator.userAgent"))

    assert "HeadlessChrome" in browser.run(read)
    assert not PaperView.objects.exists()
    assert _ranking() == before and target.pk not in dict(before)


def test_a_readers_browser_reports_the_view_after_showing_the_page(
    readers_browser: Browser,
) -> None:
    paper = PaperFactory(announced_on=_today())

    readers_browser.run(lambda page: page.goto(f"/papers/{paper.arxiv_id}/"))
    deadline = time.monotonic() + 15
    while not PaperView.objects.filter(paper=paper).exists():
        assert time.monotonic() < deadline, "the page's beacon never arrived"
        time.sleep(0.2)

    assert PaperView.objects.get(paper=paper).count == 1
    (entry,) = trending_papers(window="day", day=_today())
    assert entry.paper == paper and entry.parts.own_signals.views == 1


def test_the_home_page_cards_read_clearly(browser: Browser, make_papers: MakePapers) -> None:
    make_papers(4)

    text = browser.run(lambda page: page.goto("/") and page.locator("#cards").inner_text())

    assert "HF ▲ 100" in text and "Upvote" in text
    assert text.count("▲ Upvote") == 4  # one upvote control per card: the site's
    assert "announced today" in text
    browser.screenshot("home-cards")
    browser.assert_accessible("home page cards")
