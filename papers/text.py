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

    The one LaTeX-to-text function: pages, cards, drafts, emails and feeds all show what it
    returns. Only the LaTeX spans (math, commands, escapes) go through pylatexenc, slow on a
    whole abstract, fast on a span (docs/measurements.md); the prose around them is kept
    verbatim, so a literal ``50%`` or ``A&B`` is never taken for LaTeX and dropped.
    What pylatexenc leaves, and what arrives with its backslashes already lost (Hugging
    Face's summaries write ``{approx}5{times}``), is tidied after: ties (``(i)~the``),
    known symbol names in braces, simple sub- and superscripts (``𝔽_2`` -> ``𝔽₂``).
    """
    text = unicodedata.normalize("NFC", text)
    if "$" in text or "\\" in text:
        text = _REFERENCE.sub("", text)
        text = _HREF.sub(_href, text)
        text = _CONTROL_SPACE.sub("", text)
        text = _LATEX_SPAN.sub(lambda match: _render_span(match.group(0)), text)
    text = _BARE_SYMBOL.sub(_bare_symbol, text)
    text = _GROUPING.sub(r"\1", text)
    text = _URL_OR_TIE.sub(_tie, text)
    text = _SCRIPT.sub(_script, text)
    return collapse_whitespace(text)


def latex_prose_to_text(text: str) -> str:
    """``latex_to_text`` for the prose around math, the math kept as LaTeX for KaTeX.

    Pages that typeset math (the paper page) show ``$x^2$`` through KaTeX; the prose
    around it still needs its ties, text commands and lost-backslash symbols rendered.
    """
    parts = _MATH.split(unicodedata.normalize("NFC", text))
    return collapse_whitespace(
        "".join(part if index % 2 else _prose(part) for index, part in enumerate(parts))
    )


def _prose(part: str) -> str:
    # latex_to_text trims; the spaces around a math span are kept so words do not touch it.
    lead = " " if part[:1].isspace() else ""
    trail = " " if part[-1:].isspace() else ""
    return lead + latex_to_text(part) + trail if part.strip() else part


_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\])", re.DOTALL)


_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_LATEX_SPAN = re.compile(
    r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\]"
    rf"|\\[a-zA-Z]+\*?(?:\s*{_BRACED})*"
    # accents take their letter along: \"o, \'{e}, \^\i
    rf"|\\[\"'`^~=.](?:{_BRACED}|\\?[a-zA-Z])?|\\[^a-zA-Z\s]",
    re.DOTALL,
)
# Citations and cross-references say nothing to a reader of the text.
_REFERENCE = re.compile(r"~?\\(?:cite[pt]?|ref|eqref|label|footnote)\*?(?:\[[^\]]*\])?\{[^{}]*\}")
_HREF = re.compile(r"\\(?:href\{([^{}\s]*)\}\{((?:[^{}]|\{[^{}]*\})*)\}|url\{([^{}\s]*)\})")
_CONTROL_SPACE = re.compile(r"\\(?=\s)")
# A LaTeX tie (non-breaking space) between two non-spaces ("~5%", about, stays) and
# dashes; a URL is matched first and kept whole.
_URL_OR_TIE = re.compile(r"https?://\S+|www\.\S+|(?<=[\w).,:;\]])~(?=[\w(\[])|(?<=\S)-{2,3}(?=\S)")
_DASHES = {"~": " ", "--": "–", "---": "—"}
# Braces that only group plain words: "{BERT}" -> "BERT" (set notation has no letters).
_GROUPING = re.compile(r"\{([A-Za-z][\w .,'-]*)\}")
# A symbol whose backslash was lost on the way: "{approx}", "{times}", "{sim}".
_BARE_SYMBOL = re.compile(r"\{([a-zA-Z]{2,12})\}")
_SCRIPT = re.compile(r"(?<=[^\s_^])([_^])(\{[0-9a-z+\-=()]{1,4}\}|[0-9](?![\w.,]))")
_SUB = str.maketrans("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ")
_SUP = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")


@lru_cache(maxsize=50_000)
def _render_span(span: str) -> str:
    escaped = _UNESCAPED_SPECIAL.sub(r"\\\1", span)
    try:
        text: str = _converter.latex_to_text(escaped)
        return text
    except Exception:  # pylatexenc raises assorted errors on malformed markup
        return span


def _href(match: re.Match[str]) -> str:
    url = (match[1] or match[3] or "").replace("\\", "")
    label = latex_to_text(match[2] or "")
    return url if not label or label == url or "://" in label else f"{label} ({url})"


def _tie(match: re.Match[str]) -> str:
    return _DASHES.get(match[0], match[0])


def _bare_symbol(match: re.Match[str]) -> str:
    rendered = _render_span("\\" + match[1])
    # Only a name LaTeX knows as a symbol: "{approx}" -> "≈"; "{Theorem}" stays.
    return rendered if rendered and not rendered.isascii() else match[0]


def _script(match: re.Match[str]) -> str:
    body = match[2].strip("{}")
    table = _SUB if match[1] == "_" else _SUP
    converted = body.translate(table)
    return converted if all(not c.isascii() for c in converted) else match[0]


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
