"""Plain-text renderings of arXiv titles and abstracts (LaTeX kept raw elsewhere)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

_converter = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_WHITESPACE = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    """Join arXiv's hard-wrapped lines and runs of spaces into single spaces."""
    return _WHITESPACE.sub(" ", text).strip()


def latex_to_text(text: str) -> str:
    """Render LaTeX markup as readable Unicode text (``$\\alpha$`` -> ``α``).

    Only the LaTeX spans (math, commands, escapes) go through pylatexenc, which costs
    about 20 ms on a whole abstract but microseconds on a span; the prose around them is
    kept verbatim, so a literal ``50%`` or ``A&B`` is never taken for LaTeX and dropped.
    """
    if "$" not in text and "\\" not in text:
        return collapse_whitespace(unicodedata.normalize("NFC", text))
    rendered = _LATEX_SPAN.sub(lambda match: _render_span(match.group(0)), text)
    return collapse_whitespace(unicodedata.normalize("NFC", rendered))


_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_LATEX_SPAN = re.compile(
    r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\]"
    rf"|\\[a-zA-Z]+\*?(?:\s*{_BRACED})*"
    # accents take their letter along: \"o, \'{e}, \^\i
    rf"|\\[\"'`^~=.](?:{_BRACED}|\\?[a-zA-Z])?|\\[^a-zA-Z\s]",
    re.DOTALL,
)


@lru_cache(maxsize=50_000)
def _render_span(span: str) -> str:
    escaped = _UNESCAPED_SPECIAL.sub(r"\\\1", span)
    try:
        return _converter.latex_to_text(escaped)
    except Exception:  # pylatexenc raises assorted errors on malformed markup
        return span


def normalize_author_name(name: str) -> str:
    """Key that identifies an author across sources: NFKC, case-folded, single-spaced."""
    return collapse_whitespace(unicodedata.normalize("NFKC", name)).casefold()
