"""The draft as one Markdown document, Markdown rendered safely to HTML, and as plain text.

Raw HTML in Markdown is escaped, never passed through (markdown-it-py with ``html`` off),
and markdown-it's link validation drops ``javascript:`` and other unsafe URLs. Every
heading gets an ``id`` from its text, so the log's list of items links to its sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from writing.models import Draft, DraftItem

# Shown to editors only (the editor page says how a draft was written); never in the
# published text. The checker flags it if it is pasted into one.
EXTRACTIVE_LABEL = "_Extractive summary: sentences taken from the abstract, no model was used._"
LONG_LOG_ITEMS = 6  # from this many items on, the log opens with a table of contents


def _heading_ids(state: StateCore) -> None:
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            children = tokens[index + 1].children or []
            text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
            slug = slugify(text) or "section"
            seen[slug] = seen.get(slug, 0) + 1
            token.attrSet("id", slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_md.core.ruler.push("heading_ids", _heading_ids)


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown written by a model or an editor."""
    html: str = _md.render(text)
    return html


def anchor(text: str) -> str:
    """The ``id`` a heading with this text gets (link text only, as rendered)."""
    return slugify(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)) or "section"


def short_title(title: str) -> str:
    """The name a title is known by in the one-line item list: the part before a colon."""
    head = title.split(":", 1)[0].strip()
    return head if len(head) >= 3 else title


def item_line(items: Sequence[DraftItem]) -> str:
    return ", ".join(short_title(item.title) for item in items)


def log_title(*, number: int | None, title: str) -> str:
    """The one naming scheme: "Research Log #007: Theme" (the date is shown once, beside)."""
    return f"Research Log #{number:03d}: {title}" if number else title


def _heading(item: DraftItem) -> str:
    if item.paper is None:
        return f"## {item.heading.strip() or 'News'}"
    return f"## [{item.paper.title_text}]({item.paper.abs_url})"


def draft_markdown(
    *, draft: Draft, items: Sequence[DraftItem], number: int | None = None, site_url: str = ""
) -> str:
    """The whole log: title, item list, intro, the items in order, Pulse of AI, closing."""
    papers = [item for item in items if item.paper is not None]
    parts = [f"# {log_title(number=number, title=draft.title)}", item_line(items)]
    parts += ["## Introduction", _clean(draft.intro)]
    lead = "In this log:\n\n" if len(items) >= LONG_LOG_ITEMS else ""
    parts.append(lead + "\n".join(f"* [{i.title}](#{anchor(i.title)})" for i in items))
    for item in items:
        parts += [_heading(item), _clean(item.section_md)]
    if papers:
        parts += ["## Pulse of AI", _clean(draft.pulse_overview)]
        parts += [f"**{_stop(i.title)}** {_clean(i.pulse_note)}" for i in papers if i.pulse_note]
    parts.append(_clean(draft.closing))
    return "\n\n".join(part for part in parts if part) + "\n"


def _stop(title: str) -> str:
    """A title as a run-in heading: a full stop unless it ends on its own ("…Window?")."""
    return title if title.endswith((".", "?", "!")) else f"{title}."


def _clean(text: str) -> str:
    """An editor's label never reaches readers, even from a draft written before it moved."""
    return text.replace(EXTRACTIVE_LABEL, "").strip()


def plain_summary(*, draft: Draft, items: Sequence[DraftItem]) -> str:
    return f"{_clean(draft.intro)} {item_line(items)}".strip()


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")


def markdown_to_text(markdown: str, *, site_url: str = "") -> str:
    """Readable plain text of a log for the email's text part (no Markdown source).

    Headings become underlined lines, links "text (url)" (in-page anchors just the text),
    emphasis markers go; paragraphs are kept apart by a blank line.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        block = block.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", block)
        if heading:
            title = _inline_text(heading[2], site_url=site_url, in_heading=True)
            out.append(f"{title}\n{('=' if len(heading[1]) == 1 else '-') * min(len(title), 72)}")
            continue
        lines = [re.sub(r"^\s*[*+-]\s+", "• ", line) for line in block.splitlines()]
        out.append("\n".join(_inline_text(line, site_url=site_url) for line in lines))
    return "\n\n".join(out) + "\n"


def _inline_text(text: str, *, site_url: str, in_heading: bool = False) -> str:
    def link(match: re.Match[str]) -> str:
        label, url = match[1], match[2]
        if url.startswith("#"):
            return label
        if url.startswith("/"):
            url = site_url + url
        return label if in_heading or url in label else f"{label} ({url})"

    text = _LINK.sub(link, text)
    text = _AUTOLINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", text)
    return text.replace("`", "")


# The weekly email's look, inline (mail clients drop <style>): the daily email's fonts,
# colours and spacing; every heading's line height above its font size.
_EMAIL_STYLES = {
    "h1": "margin:0 0 12px 0;font-family:Arial,Helvetica,sans-serif;font-size:24px;"
    "line-height:30px;font-weight:bold;color:#1d2129;",
    "h2": "margin:24px 0 8px 0;font-family:Arial,Helvetica,sans-serif;font-size:18px;"
    "line-height:24px;font-weight:bold;color:#1d2129;",
    "h3": "margin:16px 0 6px 0;font-family:Arial,Helvetica,sans-serif;font-size:16px;"
    "line-height:22px;font-weight:bold;color:#1d2129;",
    "p": "margin:0 0 12px 0;font-size:15px;line-height:22px;color:#1d2129;",
    "ul": "margin:0 0 12px 0;padding:0 0 0 20px;",
    "ol": "margin:0 0 12px 0;padding:0 0 0 20px;",
    "li": "margin:0 0 4px 0;font-size:15px;line-height:22px;",
    "a": "color:#2b59c3;",
    "blockquote": "margin:0 0 12px 0;padding:0 0 0 12px;border-left:3px solid #e4e6eb;"
    "color:#5b6270;",
    "code": "font-family:Menlo,Consolas,monospace;font-size:13px;",
}
_TAG = re.compile(r"<(h1|h2|h3|p|ul|ol|li|a|blockquote|code)(?=[\s>])")


def email_html(*, body_html: str, web_url: str, date: str) -> str:
    """The log's HTML with the email's inline styles, its date once and a link to the web."""
    styled = _TAG.sub(lambda m: f'<{m[1]} style="{_EMAIL_STYLES[m[1]]}"', body_html)
    head = (
        f'<p style="{_EMAIL_STYLES["p"]}font-size:13px;line-height:19px;color:#5b6270;">'
        f'{date} · <a href="{web_url}" style="{_EMAIL_STYLES["a"]}">Read on the web</a></p>'
    )
    return head + styled
