"""Grounding: what in a written section rests on the paper, and what does not.

Two checks, both pure functions over text:

* ``evidence_for`` gives each sentence of a section the abstract sentence it rests on:
  the abstract sentence sharing the largest share of the written sentence's content words
  (lower-cased, crude suffix-stripped, stop words dropped). It is shown to the editor on
  hover; a sentence that shares too little is an advisory flag ("weakly supported").
* ``fact_flags`` checks the claims that must be exact: every paper title (headings, link
  texts, quoted or emphasised phrases of three or more words), every arXiv id or link,
  every other link and every number must occur in the source texts (title, abstract,
  comments, Hugging Face metadata). Anything missing is a *blocking* flag: the draft cannot
  be published until it is fixed or an editor acknowledges it.

Token overlap rather than embeddings: it is deterministic, explainable on hover ("these
words"), needs no model in the worker, and the sections we check are paraphrases of one
abstract, where lexical overlap already finds the right sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from papers.text import split_sentences

WEAK_SUPPORT = 0.25

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
_ARXIV_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arXiv:\s?)([0-9]{4}\.[0-9]{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})"
    r"(?:v[0-9]+)?",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_QUOTED = re.compile(r"[\"“]([^\"”\n]{8,200})[\"”]|(?<![*\w])[*_]{1,2}([^*_\n]{8,200})[*_]{1,2}")
# A number, with a unit letter allowed right after it ("5.3x", "40%", "7B").
_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?=[x×%kKMB]?(?!\w))")
_LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+", re.MULTILINE)
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "of",
        "on",
        "or",
        "our",
        "over",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "under",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "paper",
        "papers",
        "work",
        "approach",
        "method",
        "new",
        "also",
        "more",
        "most",
        "other",
        "some",
        "show",
        "shows",
        "shown",
        "propose",
        "proposes",
        "proposed",
        "present",
        "presents",
        "introduce",
        "introduces",
    ]
)


STOP_WORDS = _STOP  # the one stop-word list of writing (the checker and the intro use it)


@dataclass(frozen=True)
class Source:
    """The texts a paper's facts may come from."""

    arxiv_id: str
    title: str
    abstract: str
    extra: str = ""  # comments, Hugging Face summary, keywords, repository, stars, upvotes

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}\n{self.extra}"


# --- sentences and evidence -------------------------------------------------------------


def content_words(text: str) -> set[str]:
    return {_stem(w.lower()) for w in _WORD.findall(text) if w.lower() not in _STOP}


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def evidence_for(*, section: str, abstract: str) -> list[dict[str, object]]:
    """For each sentence of ``section``, the abstract sentence it rests on and how well."""
    candidates = [(span, content_words(span.text)) for span in split_sentences(abstract)]
    evidence: list[dict[str, object]] = []
    for sentence in split_sentences(plain(section)):
        words = content_words(sentence.text)
        if len(words) < 3:  # a link line, "Code:", a stray fragment: nothing to ground
            continue
        best, score = None, 0.0
        for span, span_words in candidates:
            overlap = len(words & span_words) / len(words)
            if overlap > score:
                best, score = span, overlap
        evidence.append(
            {
                "sentence": sentence.text,
                "span": best.text if best else "",
                "start": best.start if best else None,
                "end": best.end if best else None,
                "score": round(score, 3),
            }
        )
    return evidence


def plain(markdown: str) -> str:
    """Markdown to checkable prose: link texts kept, URLs, emphasis and markers dropped."""
    text = _MD_LINK.sub(lambda m: m[1], markdown)
    text = _URL.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARKER.sub("", text)
    return re.sub(r"[*_`>]+", "", text).strip()


# --- facts ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Case, accents, LaTeX braces, punctuation and spacing folded away, for containment."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[\\{}$]", "", text)
    return " ".join(re.sub(r"[^\w%.]+", " ", text).split())


def numbers_in(text: str) -> list[str]:
    """Numbers written in ``text``, as written (list markers, arXiv ids and URLs removed)."""
    text = _ARXIV_ID.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MD_LINK.sub(lambda m: m[1], text)
    text = _LIST_MARKER.sub(" ", text)
    return [m[0] for m in _NUMBER.finditer(text)]


def _canonical_number(value: str) -> str:
    value = value.replace(",", "").lstrip("+")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def _source_numbers(text: str) -> set[str]:
    found = {_canonical_number(n) for n in numbers_in(text)}
    words = {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.casefold()) if w in _NUMBER_WORDS}
    return found | words


def title_claims(markdown: str) -> list[str]:
    """Phrases presented as paper titles: headings, link texts, quoted or emphasised phrases."""
    claims = [m[1] for m in _HEADING.finditer(markdown)]
    claims += [m[1] for m in _MD_LINK.finditer(markdown) if not _URL.fullmatch(m[1])]
    claims += [m[1] or m[2] for m in _QUOTED.finditer(markdown)]
    return [c.strip() for c in claims if len(c.split()) >= 3]


def fact_flags(*, text: str, sources: Sequence[Source]) -> list[dict[str, object]]:
    """Titles, links and numbers in ``text`` that no source contains (all blocking)."""
    haystack = normalize("\n".join(s.text for s in sources))
    titles = [normalize(s.title) for s in sources]
    flags: list[dict[str, object]] = []
    for claim in title_claims(text):
        folded = normalize(claim)
        if not any(folded in title or title in folded for title in titles) and (
            folded not in haystack
        ):
            flags.append(_flag("title", claim, "not the title of a paper in this draft"))
    known_ids = {s.arxiv_id.casefold() for s in sources}
    for match in _ARXIV_ID.finditer(text):
        if match[1].casefold() not in known_ids:
            flags.append(_flag("link", match[0], "arXiv id of no paper in this draft"))
    raw_sources = "\n".join(s.text for s in sources)
    for url in _URL.findall(text):
        url = url.rstrip(".,;:")
        if _ARXIV_ID.search(url) or _url_known(url, raw_sources):
            continue
        flags.append(_flag("link", url, "link found in no source"))
    known_numbers = _source_numbers(raw_sources)
    for number in numbers_in(text):
        if _canonical_number(number) not in known_numbers:
            flags.append(_flag("number", number, "number found in no source"))
    return _unique(flags)


def _url_known(url: str, sources: str) -> bool:
    from django.conf import settings

    if url.startswith(f"{settings.SITE_URL}/papers/"):  # this site's own paper pages
        return True
    bare = re.sub(r"^https?://(www\.)?", "", url).rstrip("/").casefold()
    return bare in sources.casefold()


def _flag(kind: str, text: str, message: str) -> dict[str, object]:
    return {"kind": kind, "text": text, "message": message, "blocking": True}


def _unique(flags: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    seen, out = set(), []
    for flag in flags:
        key = (flag["kind"], flag["text"])
        if key not in seen:
            seen.add(key)
            out.append(flag)
    return out


def weak_support_flags(evidence: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """Advisory flags for sentences that share little with any abstract sentence."""
    return [
        {
            "kind": "support",
            "text": str(e["sentence"])[:200],
            "message": "weakly supported by the abstract",
            "blocking": False,
        }
        for e in evidence
        if float(e["score"]) < WEAK_SUPPORT  # type: ignore[arg-type]
    ]
