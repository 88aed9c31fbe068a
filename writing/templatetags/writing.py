"""The writing pages' template filters."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from writing.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: object) -> SafeString:
    """Markdown as HTML, raw HTML escaped (writing/markdown.py): the preview's first state."""
    return mark_safe(render_markdown(str(text or "")))  # markdown-it, raw HTML off
