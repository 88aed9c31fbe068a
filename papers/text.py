"""Plain text of arXiv titles and abstracts: LaTeX rendered, whitespace, sentences.

The one sentence splitter lives here, below every app that cuts text into sentences: the
reader's card summaries, the daily email's one-liners and the drafts' grounding.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
        text: str = _converter.latex_to_text(escaped)
        return text
    except Exception:  # pylatexenc raises assorted errors on malformed markup
        return span


def normalize_author_name(name: str) -> str:
    """Key that identifies an author across sources: NFKC, case-folded, single-spaced."""
    return collapse_whitespace(unicodedata.normalize("NFKC", name)).casefold()


# A sentence ends at . ! or ? (closing quotes and brackets go with it) before a space and
# what can start a sentence: a capital, a digit, an opening quote or bracket, Markdown
# emphasis, or LaTeX left raw ($, \\).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[*_$\\])")
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|et al|etc|vs|Fig|Eq|cf|approx|resp)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A sentence and where it stands in the text it was cut from."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` with their offsets; abbreviations like "e.g." do not split."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()]
        if _ABBREVIATIONS.search(candidate.rstrip("\"')]")):
            continue
        spans.append(_span(text, start, match.start()))
        start = match.end()
    spans.append(_span(text, start, len(text)))
    return [s for s in spans if s.text]


def _span(text: str, start: int, end: int) -> Span:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    chunk = chunk.strip()
    return Span(start + lead, start + lead + len(chunk), chunk)


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, on one line ("" for blank text)."""
    spans = split_sentences(collapse_whitespace(text))
    return spans[0].text if spans else ""
