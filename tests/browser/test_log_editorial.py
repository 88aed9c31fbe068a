"""An editor adds a free-form item and a closing paragraph, changes the theme and sees the
intro follow, publishes; the log page and the weekly email, rendered in Chromium, show no
overlapping lines, and the email's "Read on the web" link opens the log (issue 24)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from mailing.models import Edition
from papers.models import Paper
from tests.browser.harness import Browser
from tests.browser.test_editor import _sign_in, _user
from tests.writing.conftest import WEEK
from writing.models import ResearchLog
from writing.services import drafting, publishing

pytestmark = pytest.mark.django_db(transaction=True)
CLOSING = "That's it for this week, see you next week!"
NEWS = "This week we **debugged** bigger training runs on the new cluster."

# Lines overlap when a block's line height is below its font size, or when one block's
# box reaches into the next one's. Returns the offending elements, described.
OVERLAPS_JS = """
(root) => {
  const blocks = [...document.querySelectorAll(root + ' :is(h1,h2,h3,p,li)')]
    .filter(e => e.getClientRects().length);
  const bad = [];
  for (const e of blocks) {
    const s = getComputedStyle(e);
    const size = parseFloat(s.fontSize);
    const line = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
    if (line < size) bad.push(`${e.tagName} line ${line} < font ${size}`);
  }
  for (let i = 0; i + 1 < blocks.length; i++) {
    const a = blocks[i], b = blocks[i + 1];
    if (a.contains(b) || b.contains(a)) continue;
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    const side = ra.right <= rb.left || rb.right <= ra.left;
    if (!side && ra.bottom > rb.top + 1) {
      bad.push(`${a.tagName} overlaps ${b.tagName}: ${a.textContent.slice(0, 40)}`);
    }
  }
  return bad;
}
"""


def test_an_editor_adds_news_and_a_closing_changes_the_theme_and_publishes(
    browser: Browser, week_papers: list[Paper], live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url  # the email's links lead to this server
    _user("desk", editor=True)
    prepared = drafting.draft_prepare(week_start=WEEK, item_count=3)
    draft = drafting.draft_write(draft_id=prepared.pk, client=None)
    old_theme = draft.theme
    assert old_theme in draft.intro
    browser.run(_sign_in, "desk")

    def add_news(page: Any) -> list[str]:
        page.goto(f"/editor/drafts/{draft.pk}/")
        form = page.locator("form.freeform")
        form.get_by_label("Heading").fill("NEKO")
        form.get_by_label("Text (Markdown)").fill(NEWS)
        form.get_by_label("Place").select_option(
            label=page.locator("#freeform-position option").nth(1).inner_text()
        )  # before the second paper
        form.get_by_role("button", name="Add item").click()
        page.wait_for_load_state("networkidle")
        return page.locator("section.item h2").all_inner_texts()

    headings = browser.run(add_news)
    assert headings[1] == "2. NEKO" and len(headings) == 4

    def close_and_retheme(page: Any) -> dict[str, str]:
        page.locator("#id_closing").fill(CLOSING)
        page.locator("#id_theme").fill("Sparse Experts")
        page.locator("form.editor").get_by_role("button", name="Save").click()
        page.locator(".messages").get_by_text("Saved.").wait_for()
        return {
            "title": page.locator("#id_title").input_value(),
            "intro": page.locator("#id_intro").input_value(),
            "closing": page.locator("#id_closing").input_value(),
        }

    saved = browser.run(close_and_retheme)
    assert saved["title"] == "Sparse Experts"
    assert "focus on Sparse Experts" in saved["intro"] and old_theme not in saved["intro"]
    assert saved["closing"] == CLOSING
    browser.screenshot("editorial-draft-saved", full_page=True)

    def publish(page: Any) -> dict[str, Any]:
        page.get_by_role("button", name="Publish now").click()
        page.wait_for_url("**/logs/1-*/")
        page.wait_for_load_state("networkidle")
        return {
            "h1": page.locator("article h1").inner_text(),
            "text": page.locator("article").inner_text(),
            "overlaps": page.evaluate(OVERLAPS_JS, "article"),
            "toc": page.locator("article ul a[href^='#']").count(),
        }

    page = browser.run(publish)
    log = ResearchLog.objects.get()
    assert page["h1"] == "Research Log #001: Sparse Experts"
    assert page["overlaps"] == []
    assert page["toc"] == 4  # the list of items links to each section
    text = page["text"]
    assert "NEKO" in text and "debugged" in text and text.rstrip().endswith(CLOSING)
    assert text.count(f"{log.published_at:%-d %B %Y}") == 1
    assert "Extractive summary" not in text and "Roundup" not in text
    browser.screenshot("editorial-log", full_page=True)
    browser.assert_accessible("research log with a free-form item")

    publishing.research_log_email(log_id=log.pk)
    edition = Edition.objects.get(key=f"log-{log.number}")
    email = get_template("mailing/email/weekly_log.html").render(
        {
            "edition": edition,
            "site_url": settings.SITE_URL,
            "body_html": mark_safe(edition.body_html),
            "preferences_url": f"{live_server.url}/subscribe/preferences/x/",
            "unsubscribe_url": f"{live_server.url}/subscribe/unsubscribe/x/",
        }
    )

    def read_the_email(page: Any) -> dict[str, Any]:
        page.set_content(email)
        result = {
            "overlaps": page.evaluate(OVERLAPS_JS, "body"),
            "h1": page.locator("h1").inner_text(),
        }
        page.get_by_role("link", name="Read on the web").click()
        page.wait_for_url(f"**/logs/{log.slug}/")
        result["web_h1"] = page.locator("article h1").inner_text()
        return result

    browser.run(lambda page: page.set_content(email))
    browser.screenshot("weekly-email", full_page=True)
    read = browser.run(read_the_email)
    assert read["overlaps"] == []
    assert read["h1"] == "Research Log #001: Sparse Experts"
    assert read["web_h1"] == "Research Log #001: Sparse Experts"
    assert "## " not in edition.body_text and "Read on the web:" in edition.body_text
