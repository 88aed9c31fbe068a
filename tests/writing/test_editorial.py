"""Editorial pieces (issue 24): free-form items, a closing paragraph, themes that flow,
linked headings, links to this site's paper pages, one naming scheme, the weekly email."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailing.models import Edition
from papers.models import Paper
from tests.mailing.factories import SubscriberFactory
from tests.writing.conftest import WEEK
from writing.models import Draft, DraftItem
from writing.services import drafting, editing, publishing

pytestmark = pytest.mark.django_db


def _written(count: int = 3) -> Draft:
    draft = drafting.draft_prepare(week_start=WEEK, item_count=count)
    return drafting.draft_write(draft_id=draft.pk, client=None)


def _changes(draft: Draft, **fields: object) -> editing.DraftChanges:
    base: dict[str, object] = {
        "title": draft.title,
        "theme": draft.theme,
        "intro": draft.intro,
        "pulse_overview": draft.pulse_overview,
    }
    return editing.DraftChanges(**(base | fields))  # type: ignore[arg-type]


def test_a_free_form_item_goes_where_the_editor_puts_it_and_is_published(
    week_papers: list[Paper], editor: User
) -> None:
    draft = _written()
    draft = editing.item_add_freeform(
        draft_id=draft.pk, expected_version=draft.version, heading="NEKO",
        body_md="This week we **debugged** bigger training runs.", position=1, user=editor,
    )  # fmt: skip

    order = [i.title for i in draft.items.select_related("paper").order_by("position")]
    assert order[1] == "NEKO" and len(order) == 4
    log = publishing.draft_publish(draft_id=draft.pk, user=editor)
    assert '<h2 id="neko">NEKO</h2>' in log.body_html
    assert "<strong>debugged</strong>" in log.body_html
    assert log.body_md.index("## NEKO") < log.body_md.index(f"## [{order[2]}]")
    assert "* [NEKO](#neko)" in log.body_md  # the list of items links to it


def test_paper_headings_link_to_arxiv_and_sections_to_this_sites_paper_page(
    week_papers: list[Paper],
) -> None:
    log = publishing.draft_publish(draft_id=_written(count=2).pk)
    paper = week_papers[0]
    assert f"## [{paper.title_text}]({paper.abs_url})" in log.body_md
    assert f'href="http://127.0.0.1:8000/papers/{paper.arxiv_id}/"' in log.body_html
    assert "Extractive summary" not in log.body_md + log.body_html


def test_the_closing_paragraph_ends_the_log(week_papers: list[Paper], editor: User) -> None:
    draft = _written(count=2)
    editing.draft_save(
        draft_id=draft.pk, expected_version=draft.version, user=editor,
        changes=_changes(draft, closing="That's it for this week, see you next week!"),
    )  # fmt: skip
    log = publishing.draft_publish(draft_id=draft.pk)
    assert log.body_md.rstrip().endswith("That's it for this week, see you next week!")


def test_a_new_theme_flows_into_title_and_intro_and_a_stale_mention_is_flagged(
    week_papers: list[Paper], editor: User
) -> None:
    draft = _written(count=2)
    old = draft.theme
    assert old in draft.intro and draft.title == old

    draft = editing.draft_save(
        draft_id=draft.pk, expected_version=draft.version, user=editor,
        changes=_changes(draft, theme="Long Context"),
    )  # fmt: skip
    assert draft.title == "Long Context" and "focus on Long Context" in draft.intro
    assert old not in draft.intro and draft.previous_themes == [old]
    assert not draft.is_blocked

    # The editor wrote the old theme back into the overview: the checker flags it.
    draft = editing.draft_save(
        draft_id=draft.pk, expected_version=draft.version, user=editor,
        changes=_changes(draft, pulse_overview=f"A week about {old}."),
    )  # fmt: skip
    assert ("stale_theme", old) in [(f["kind"], f["text"]) for f in draft.flags]
    assert draft.is_blocked
    with pytest.raises(publishing.PublishBlocked, match="stale_theme"):
        publishing.draft_publish(draft_id=draft.pk)


def test_a_log_is_named_by_number_and_theme_and_its_page_shows_the_date_once(
    week_papers: list[Paper], client: Client
) -> None:
    log = publishing.draft_publish(draft_id=_written(count=2).pk)
    assert log.body_md.startswith("# Research Log #001: Retrieval and Scaling\n")
    html = client.get(f"/logs/{log.slug}/").content.decode()
    date = f"{log.published_at:%-d %B %Y}"
    assert html.count(date) == 1
    assert "Roundup" not in html


def test_a_long_log_opens_with_a_table_of_contents(week_papers: list[Paper]) -> None:
    log = publishing.draft_publish(draft_id=_written(count=6).pk)
    assert "In this log:" in log.body_md
    anchors = re.findall(r"\]\(#([\w-]+)\)", log.body_md)
    assert len(anchors) == 6
    assert all(f'id="{a}"' in log.body_html for a in anchors)


def test_the_weekly_email_is_styled_links_to_the_web_and_its_text_is_not_markdown(
    week_papers: list[Paper],
) -> None:
    SubscriberFactory(email="weekly@example.org", weekly_log=True)
    log = publishing.draft_publish(draft_id=_written(count=2).pk)
    publishing.research_log_email(log_id=log.pk)
    edition = Edition.objects.get(key="log-1")

    web = f"http://127.0.0.1:8000/logs/{log.slug}/"
    assert f'<a href="{web}"' in edition.body_html and "Read on the web" in edition.body_html
    h1 = re.search(r'<h1 style="([^"]+)"', edition.body_html)
    assert h1 is not None
    size = int(re.search(r"font-size:(\d+)px", h1[1])[1])  # type: ignore[index]
    height = int(re.search(r"line-height:(\d+)px", h1[1])[1])  # type: ignore[index]
    assert height > size  # lines of a long title never overlap
    assert re.search(r'<h2 style="[^"]+" id="[\w-]+"', edition.body_html)
    text = edition.body_text
    assert f"Read on the web: {web}" in text
    assert "Research Log #001: Retrieval and Scaling\n=====" in text
    assert "## " not in text and "](" not in text and "**" not in text
    paper = week_papers[0]
    assert f"arXiv:{paper.arxiv_id} ({paper.abs_url})" in text


def test_an_extractive_item_has_no_label_in_the_text_but_the_editor_sees_how_it_was_written(
    week_papers: list[Paper],
) -> None:
    draft = _written(count=2)
    item = draft.items.first()
    assert item is not None and item.origin == DraftItem.Origin.EXTRACTIVE
    assert "Extractive" not in item.section_md
