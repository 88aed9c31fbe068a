"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.harness import Browser, BrowserThread, missing_tools
from tests.mailing.conftest import mail_worker, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.reader.conftest import make_papers, today, topic  # noqa: F401 - fixtures
from tests.writing.conftest import week_papers  # noqa: F401 - fixture


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[BrowserThread]:
    problem = missing_tools()
    if problem:
        pytest.fail(f"browser tests cannot run: {problem}", pytrace=False)
    thread = BrowserThread()
    try:
        yield thread
    finally:
        thread.close()


@pytest.fixture(params=["light"])
def color_scheme(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def browser(
    browser_thread: BrowserThread, live_server: object, request: pytest.FixtureRequest,
    color_scheme: str,
) -> Iterator[Browser]:  # fmt: skip
    refusals: list[str] = []
    page = browser_thread.new_page(
        base_url=live_server.url,  # type: ignore[attr-defined]
        color_scheme=color_scheme,
        console=refusals,
    )
    browser = Browser(
        thread=browser_thread, page=page, test_name=request.node.name, csp_refusals=refusals
    )
    try:
        yield browser
    finally:
        browser.close()
    # Every browser test runs under the site's CSP: whatever it did, nothing was refused.
    assert not refusals, "Content-Security-Policy refusals:\n" + "\n".join(refusals)
