"""An editor in a real browser: edit a draft with a live preview, save, publish; readers cannot."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.contrib.auth.models import User

from papers.models import Paper
from tests.browser.harness import Browser
from tests.writing.conftest import WEEK, editors_group
from writing.models import Draft, DraftItem, ResearchLog
from writing.services import drafting

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-editing-desk-42"
# Plain words and a number of the abstract: the grounding check passes it, so it publishes.
EDITED = "- Edited in the browser: PEER routes each token to 16 tiny experts.\n- Sparse and cheap."
INTRO = "Edited intro: this week sparse experts and long contexts grow."
PHONE = {"width": 390, "height": 844}


def _user(username: str, *, editor: bool) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    if editor:
        user.groups.add(editors_group())
    return user


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    page.locator(".account").get_by_role("button", name="Sign out").wait_for()


def _fits_a_phone(page: Any, url: str) -> tuple[int, int]:
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return widths, size


def _check_phone(browser: Browser, url: str, name: str) -> None:
    (scroll_width, viewport), size = browser.run(_fits_a_phone, url)
    browser.screenshot(f"phone-{name}", full_page=True)
    browser.run(lambda page: page.set_viewport_size(size))
    assert scroll_width <= viewport, f"{url} is {scroll_width}px wide on a {viewport}px phone"


@pytest.mark.parametrize("color_scheme", ["light", "dark"])  # overrides the fixture
def test_an_editor_edits_a_draft_with_a_live_preview_then_publishes_it(
    browser: Browser,
    week_papers: list[Paper],
    color_scheme: str,
) -> None:
    _user("desk", editor=True)
    prepared = drafting.draft_prepare(week_start=WEEK, item_count=3)
    draft = drafting.draft_write(draft_id=prepared.pk, client=None)  # extractive: no model
    first = draft.items.order_by("position").first()
    assert draft.is_extractive and first is not None

    browser.run(_sign_in, "desk")

    def open_the_drafts_list(page: Any) -> str:
        page.goto("/logs/")
        page.get_by_role("link", name="Drafts (editors)").click()
        page.wait_for_url("**/editor/drafts/")
        return page.locator("table.drafts tbody").inner_text()

    listed = browser.run(open_the_drafts_list)
    assert draft.title in listed and "2026-06-08" in listed
    browser.screenshot(f"{color_scheme}-drafts", full_page=True)
    browser.assert_accessible(f"drafts list ({color_scheme})")

    def open_the_draft(page: Any) -> str:
        page.locator("table.drafts").get_by_role("link", name=draft.title).click()
        page.wait_for_url(f"**/editor/drafts/{draft.pk}/")
        page.wait_for_load_state("networkidle")
        return page.locator("main").inner_text()

    editor_text = browser.run(open_the_draft)
    assert "Extractive draft: no model was available" in editor_text
    browser.screenshot(f"{color_scheme}-draft-editor", full_page=True)
    browser.assert_accessible(f"draft editor ({color_scheme})")

    def edit_and_watch_the_preview(page: Any, item_id: int) -> list[str]:
        section = page.locator(f"#section-{item_id}")
        original = section.input_value()
        preview = page.locator(f"#preview-{item_id}")
        assert preview.locator("em", has_text="Extractive summary").count() == 0  # editors only
        page.evaluate("window.notReloaded = true")
        section.fill(EDITED + "\n\n" + original)  # keeps the section's arXiv link
        page.locator("#id_intro").fill(INTRO)  # the index and the feed show the intro
        preview.locator("li", has_text="Edited in the browser").wait_for()
        assert page.evaluate("window.notReloaded === true"), "the preview reloaded the page"
        return preview.locator("li").all_inner_texts()

    bullets = browser.run(edit_and_watch_the_preview, first.pk)
    assert bullets == [
        "Edited in the browser: PEER routes each token to 16 tiny experts.",
        "Sparse and cheap.",
    ]
    browser.screenshot(f"{color_scheme}-draft-preview")
    browser.assert_accessible(f"draft editor with a preview ({color_scheme})")

    def save(page: Any) -> str:
        page.locator("form.editor").get_by_role("button", name="Save").click()
        page.locator(".messages").get_by_text("Saved.").wait_for()
        return page.locator(f"#section-{first.pk}").input_value()

    assert browser.run(save).startswith(EDITED)
    browser.assert_accessible(f"draft editor, saved ({color_scheme})")
    first.refresh_from_db()
    assert first.section_md.startswith(EDITED) and first.origin == DraftItem.Origin.EDITOR
    assert Draft.objects.get(pk=draft.pk).version == draft.version + 1

    for name, url in (
        ("drafts", "/editor/drafts/"),
        ("draft-editor", f"/editor/drafts/{draft.pk}/"),
    ):
        _check_phone(browser, url, f"{color_scheme}-{name}")
    browser.assert_accessible(f"draft editor on a phone ({color_scheme})")

    def show_on_a_phone(page: Any, selector: str) -> None:
        page.set_viewport_size(PHONE)
        page.locator(selector).scroll_into_view_if_needed()

    for selector in (f"#item-{first.pk}", ".paper-tools"):  # the full page is too tall to read
        browser.run(show_on_a_phone, selector)
        browser.screenshot(f"phone-{color_scheme}-draft-editor-{selector.strip('#.')}")
    browser.run(lambda page: page.set_viewport_size({"width": 1200, "height": 900}))

    def publish(page: Any) -> dict[str, str]:
        page.get_by_role("button", name="Publish now").click()
        page.wait_for_url("**/logs/1-*/")
        page.wait_for_load_state("networkidle")
        return {"h1": page.locator("h1").inner_text(), "body": page.locator("main").inner_text()}

    published = browser.run(publish)
    log = ResearchLog.objects.get()
    assert (log.number, log.display_number) == (1, "Research Log #001")
    assert published["h1"].startswith(f"Research Log #001: {draft.title}")
    assert "Edited in the browser: PEER routes each token to 16 tiny experts." in published["body"]
    assert "Published as Research Log #001." in published["body"]
    browser.screenshot(f"{color_scheme}-research-log", full_page=True)
    browser.assert_accessible(f"research log ({color_scheme})")

    def the_index(page: Any) -> str:
        page.goto("/logs/")
        return page.locator("main").inner_text()

    index = browser.run(the_index)
    assert f"Research Log #001: {draft.title}" in index and INTRO in index
    browser.screenshot(f"{color_scheme}-logs")
    browser.assert_accessible(f"research log index ({color_scheme})")

    def the_feed(page: Any) -> tuple[int, str]:
        response = page.request.get("/feeds/logs.rss")
        return response.status, response.text()

    status, rss = browser.run(the_feed)
    feed = feedparser.parse(rss)
    assert status == 200 and not feed.bozo
    (entry,) = feed.entries
    assert entry.title.startswith("Research Log #001") and entry.link.endswith(f"/logs/{log.slug}/")
    assert "Edited in the browser" in entry.summary and INTRO in entry.summary

    for name, url in (("research-log", f"/logs/{log.slug}/"), ("logs", "/logs/")):
        _check_phone(browser, url, f"{color_scheme}-{name}")

    def title_share_of_the_width(page: Any) -> float:
        page.set_viewport_size(PHONE)
        title = page.locator("main h2", has_text="Research Log #001").bounding_box()
        return title["width"] / page.locator("main").bounding_box()["width"]

    assert browser.run(title_share_of_the_width) > 0.8  # a card's title is not squeezed
    browser.assert_accessible(f"research log index on a phone ({color_scheme})")


def test_a_reader_who_signs_in_gets_no_access_to_the_editor(
    browser: Browser,
    week_papers: list[Paper],
) -> None:
    _user("reader", editor=False)
    prepared = drafting.draft_prepare(week_start=WEEK, item_count=2)
    draft = drafting.draft_write(draft_id=prepared.pk, client=None)
    browser.run(_sign_in, "reader")

    def visit(page: Any, url: str) -> tuple[int, str]:
        response = page.goto(url)
        return response.status, page.locator("body").inner_text()

    for url in ("/editor/drafts/", f"/editor/drafts/{draft.pk}/"):
        status, text = browser.run(visit, url)
        assert status == 403, url
        assert draft.title not in text and "Publish now" not in text
    browser.screenshot("forbidden")
    browser.assert_accessible("403 page")

    def the_index(page: Any) -> int:
        page.goto("/logs/")
        return page.get_by_role("link", name="Drafts (editors)").count()

    assert browser.run(the_index) == 0

    def publish_by_hand(page: Any) -> int:
        token = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]")
        response = page.request.post(
            f"/editor/drafts/{draft.pk}/publish/", headers={"X-CSRFToken": token}
        )
        return response.status

    assert browser.run(publish_by_hand) == 403
    assert not ResearchLog.objects.exists()
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.DRAFT
