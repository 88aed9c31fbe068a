"""The draft as one Markdown document, and Markdown rendered safely to HTML.

Raw HTML in Markdown is escaped, never passed through (markdown-it-py with ``html`` off),
and markdown-it's link validation drops ``javascript:`` and other unsafe URLs.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt

from writing.models import Draft, DraftItem

EXTRACTIVE_LABEL = "_Extractive summary: sentences taken from the abstract, no model was used._"

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown written by a model or an editor."""
    html: str = _md.render(text)
    return html


def short_title(title: str) -> str:
    """The name a title is known by in the one-line item list: the part before a colon."""
    head = title.split(":", 1)[0].strip()
    return head if len(head) >= 3 else title


def item_line(items: Sequence[DraftItem]) -> str:
    return ", ".join(short_title(item.paper.title_text) for item in items)


def draft_markdown(*, draft: Draft, items: Sequence[DraftItem], number: int | None = None) -> str:
    """The whole roundup: title, item list, intro, one section per paper, Pulse of AI."""
    heading = f"Research Log #{number:03d}: {draft.title}" if number else draft.title
    parts = [f"# {heading}", item_line(items), "## Introduction", draft.intro.strip()]
    parts.append("\n".join(f"* {item.paper.title_text}" for item in items))
    for item in items:
        parts += [f"## {item.paper.title_text}", item.section_md.strip()]
    parts += ["## Pulse of AI", draft.pulse_overview.strip()]
    parts += [f"**{item.paper.title_text}.** {item.pulse_note.strip()}" for item in items]
    return "\n\n".join(part for part in parts if part) + "\n"


def plain_summary(*, draft: Draft, items: Sequence[DraftItem]) -> str:
    return f"{draft.intro.strip()} {item_line(items)}".strip()
