"""Plain-text renderings of arXiv titles and abstracts (LaTeX kept raw elsewhere)."""

from __future__ import annotations

import re
import unicodedata

from pylatexenc.latex2text import LatexNodes2Text

_converter = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_WHITESPACE = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    """Join arXiv's hard-wrapped lines and runs of spaces into single spaces."""
    return _WHITESPACE.sub(" ", text).strip()


def latex_to_text(text: str) -> str:
    """Render LaTeX markup as readable Unicode text (``$\\alpha$`` -> ``α``).

    Unescaped ``%``, ``&`` and ``#`` are literal in abstracts (``50%``), not LaTeX
    comments or alignment tabs, so they are escaped first; nothing is silently dropped.
    On text the converter cannot parse, the whitespace-collapsed original is returned.
    """
    if not text:
        return ""
    escaped = _UNESCAPED_SPECIAL.sub(r"\\\1", text)
    try:
        rendered = _converter.latex_to_text(escaped)
    except Exception:  # pylatexenc raises assorted errors on malformed markup
        rendered = text
    return collapse_whitespace(unicodedata.normalize("NFC", rendered))


def normalize_author_name(name: str) -> str:
    """Key that identifies an author across sources: NFKC, case-folded, single-spaced."""
    return collapse_whitespace(unicodedata.normalize("NFKC", name)).casefold()
