"""The search box's query language, parsed into a plain dataclass.

    sparse attention "long context" -survey author:"Tri Dao" cat:cs.LG after:2026-06-01

Words are ranked (BM25 and the vector side); quoted phrases must appear; ``-word`` and
``-"a phrase"`` exclude; ``author:`` and ``cat:`` filter (repeat for OR); ``after:``,
``before:`` (or ``date:FROM..TO``) bound the submission date. A query that is an arXiv
id or an arXiv URL names one paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from papers.harvest.records import split_arxiv_id

MAX_QUERY_CHARS = 1000


class SearchQueryError(ValueError):
    """The query cannot be understood; the message says what to fix."""


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_until: date | None = None
    arxiv_id: str | None = None
    truncated: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """What the rankers see: the words and the phrases' words."""
        return " ".join((*self.words, *self.phrases))

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.authors or self.categories or self.arxiv_id)


_TOKEN = re.compile(
    r"(?P<neg>-)?(?:(?P<key>author|cat|after|before|date):)?"
    r'(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S+))'
)
_ARXIV_ONLY = re.compile(
    r"^\s*(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:)?"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)(?:\.pdf)?/?\s*$",
    re.IGNORECASE,
)


def parse_query(raw: str) -> ParsedQuery:
    """Parse the search box; raises SearchQueryError for a malformed date or a query of
    exclusions alone."""
    text = raw.replace("\x00", " ")
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    if match := _ARXIV_ONLY.match(text):
        return ParsedQuery(arxiv_id=split_arxiv_id(match.group(1))[0])
    parts: dict[str, list[str]] = {k: [] for k in ("words", "phrases", "excluded", "authors",
                                                     "categories")}  # fmt: skip
    dates: dict[str, date | None] = {"from": None, "until": None}
    for token in _TOKEN.finditer(text):
        _take(token, parts, dates)
    if dates["from"] and dates["until"] and dates["from"] > dates["until"]:
        raise SearchQueryError("the start date is after the end date")
    if parts["excluded"] and not any(parts[k] for k in ("words", "phrases", "authors",
                                                         "categories")):  # fmt: skip
        # Nothing to look up in an index: answering would read every paper's text.
        raise SearchQueryError(
            "add a word to search for: a minus sign excludes papers from a search, "
            "it cannot be the whole search"
        )
    return ParsedQuery(
        words=tuple(parts["words"]),
        phrases=tuple(parts["phrases"]),
        excluded=tuple(parts["excluded"]),
        authors=tuple(parts["authors"]),
        categories=tuple(parts["categories"]),
        date_from=dates["from"],
        date_until=dates["until"],
        truncated=truncated,
    )


def _take(token: re.Match[str], parts: dict[str, list[str]], dates: dict[str, date | None]) -> None:
    key, negated = token.group("key"), bool(token.group("neg"))
    value = token.group("quoted") if token.group("quoted") is not None else token.group("bare")
    value = value.strip()
    if not value:
        return
    if key == "author":
        parts["authors"].append(value)
    elif key == "cat":
        parts["categories"].extend(c for c in value.split(",") if c)
    elif key in {"after", "before"}:
        dates["from" if key == "after" else "until"] = _date(value, key)
    elif key == "date":
        start, is_range, end = value.partition("..")
        dates["from"] = _date(start, key) if start else None
        if is_range:
            dates["until"] = _date(end, key) if end else None
        else:  # a single day
            dates["until"] = dates["from"]
    elif negated:
        parts["excluded"].append(value)
    elif token.group("quoted") is not None:
        parts["phrases"].append(value)
    else:
        parts["words"].append(value)


def _date(value: str, key: str) -> date:
    for length, suffix in ((10, ""), (7, "-01"), (4, "-01-01")):
        if len(value) == length:
            try:
                return date.fromisoformat(value + suffix)
            except ValueError:
                break
    raise SearchQueryError(f"{key}: wants a date like 2026-06-01, 2026-06 or 2026 (got {value!r})")
