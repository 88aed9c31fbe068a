"""Feeds are inert (issue 20, problem 4), and the CSP holds in a real browser.

A feed reader renders an item's description (RSS) or ``summary type="html"`` (Atom) as
HTML, often without sanitising it and never under our CSP. The test does what such a
reader does: it takes the descriptions out of our feeds exactly as XML parsing yields
them, renders them as HTML in Chromium, and checks that no script ran. A control renders
the same hostile text as a naive feed would have carried it, and sees the script run.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from lxml import etree

from papers.models import TrendingSignal
from tests.browser.harness import Browser
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = (
    "Attention <script>document.title = 'pwned by script'</script> "
    "<img src=x onerror=\"document.title = 'pwned by onerror'\"> "
    "<svg onload=\"document.title = 'pwned by svg'\"></svg> $\\alpha < \\beta$"
)
ATOM = "{http://www.w3.org/2005/Atom}"


def feed_descriptions(url: str) -> list[str]:
    """The item descriptions as a feed reader gets them: XML-decoded, to be shown as HTML."""
    root = etree.fromstring(Client().get(url).content)
    if url.endswith(".rss"):
        return [
            node.text or "" for node in root.iter("description") if node.getparent().tag == "item"
        ]
    return [node.text or "" for node in root.iter(f"{ATOM}summary")]


def rendered_title(browser: Browser, fragments: list[str]) -> tuple[str, str]:
    """Render ``fragments`` as a reader would (no CSP on its page); the title and text after."""

    def render(page: Any) -> tuple[str, str]:
        html = "<!doctype html><title>clean</title><body>" + "".join(fragments) + "</body>"
        page.set_content(html)
        page.wait_for_timeout(300)  # an image's error event fires after loading fails
        return page.title(), page.inner_text("body")

    return browser.run(render)


def test_no_script_in_any_feed_runs_in_a_browser_that_renders_its_html(
    browser: Browser, today: Any
) -> None:
    paper = PaperFactory(title_text="Hostile", abstract_text=HOSTILE, categories=["cs.CL"])
    TrendingSignal.objects.create(
        source="hf", day=today, paper=paper, rank=1, upvotes=12, ai_summary=HOSTILE
    )
    # Upvotes: a paper is trending by the upvotes it gained (papers.trending), not by rank.
    other = PaperFactory(title_text="Plain", abstract_text=HOSTILE, categories=["cs.CL"])
    TrendingSignal.objects.create(source="hf", day=today, paper=other, rank=2, upvotes=5)

    for url in ("/feeds/trending.rss", "/feeds/trending.atom", "/feeds/categories/cs.CL.rss"):
        descriptions = feed_descriptions(url)
        assert len(descriptions) == 2, url
        title, text = rendered_title(browser, descriptions)
        assert title == "clean", url
        assert "<script>document.title" in text, url  # shown as text, not run, not lost
        # Shown as text, LaTeX rendered as everywhere text is shown (papers.text).
        assert "α < β" in text, url

    # The control: the same text as live HTML, as the feeds carried it before, does run.
    assert rendered_title(browser, [HOSTILE])[0].startswith("pwned")


def test_the_site_s_csp_refuses_a_script_injected_into_a_page(browser: Browser) -> None:
    def inject(page: Any) -> str:
        page.goto("/")
        page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = "document.title = 'pwned'";
                       document.body.appendChild(s); }"""
        )
        page.wait_for_timeout(200)
        return page.title()

    assert browser.run(inject) != "pwned"
    assert any("script-src" in refusal for refusal in browser.csp_refusals)
    browser.csp_refusals.clear()  # expected here; every other browser test must have none


def test_a_log_s_html_goes_out_with_nothing_that_can_run() -> None:
    from digest.lib.safe_html import html_sanitise

    body = (
        '<p>Fine <a href="https://arxiv.org/abs/2606.1">paper</a></p><script>x()</script>'
        '<a href="javascript:x()">bad</a><img src="x" onerror="x()">'
    )
    clean = html_sanitise(body)
    assert "<script" not in clean and "onerror" not in clean and "javascript:" not in clean
    assert '<a href="https://arxiv.org/abs/2606.1" rel="nofollow noopener noreferrer">' in clean
