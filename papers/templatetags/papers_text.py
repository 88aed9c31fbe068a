"""Filters that show harvested text: LaTeX rendered for readers (papers.text)."""

from __future__ import annotations

from django import template

from papers.text import latex_prose_to_text

register = template.Library()


@register.filter
def tex_prose(text: str) -> str:
    """The text with its prose rendered and its math left for KaTeX (class ``tex``)."""
    return latex_prose_to_text(text)
