"""What a search is narrowed to (categories, dates, authors, phrases, exclusions, code),
and the SQL condition on papers alias ``p`` that says so."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from search.bm25 import DOCUMENT_VECTOR_SQL
from search.query import ParsedQuery


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    date_from: date | None = None
    date_until: date | None = None
    has_code: bool = False

    @property
    def active(self) -> bool:
        return self.narrows_papers or self.matches_text

    @property
    def narrows_papers(self) -> bool:
        """Whether a filter on the papers' records (not their text) is set."""
        return bool(self.categories or self.authors or self.date_from or self.date_until
                    or self.has_code)  # fmt: skip

    @property
    def matches_text(self) -> bool:
        """Whether phrases or exclusions are set: tested on the text, so on candidates only."""
        return bool(self.phrases or self.excluded)

    @classmethod
    def from_query(
        cls,
        parsed: ParsedQuery,
        *,
        categories: tuple[str, ...] = (),
        date_from: date | None = None,
        date_until: date | None = None,
        has_code: bool = False,
    ) -> Filters:
        """The query's own filters with the form's (categories add up; form dates win)."""
        return cls(
            categories=tuple(dict.fromkeys((*parsed.categories, *categories))),
            authors=parsed.authors, phrases=parsed.phrases, excluded=parsed.excluded,
            date_from=date_from or parsed.date_from, date_until=date_until or parsed.date_until,
            has_code=has_code,
        )  # fmt: skip


def filter_sql(
    filters: Filters, *, records: bool = True, text: bool = True
) -> tuple[str, dict[str, Any]]:
    """A WHERE condition on ``papers_paper p`` and its parameters: the filters on the
    papers' records, on their text (phrases, exclusions), or both."""
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if records:
        _record_clauses(filters, clauses, params)
    if text:
        _text_clauses(filters, clauses, params)
    return " AND ".join(clauses), params


def _record_clauses(filters: Filters, clauses: list[str], params: dict[str, Any]) -> None:
    if filters.categories:
        clauses.append("p.categories && %(categories)s::varchar[]")
        params["categories"] = list(filters.categories)
    if filters.date_from:
        clauses.append("p.submitted_at >= %(date_from)s")
        params["date_from"] = filters.date_from
    if filters.date_until:
        clauses.append("p.submitted_at < %(date_until)s")
        params["date_until"] = filters.date_until + timedelta(days=1)
    if filters.has_code:
        clauses.append(
            "(p.comments ~* 'github\\.com|gitlab\\.com' OR EXISTS (SELECT 1 FROM"
            " papers_trendingsignal t WHERE t.paper_id = p.id AND t.github_repo <> ''))"
        )
    for i, author in enumerate(filters.authors):
        patterns = author_patterns(author)
        matches = " AND ".join(
            f"a.normalized_name ~ %(author{i}_{j})s" for j in range(len(patterns))
        )
        clauses.append(
            "EXISTS (SELECT 1 FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id"
            f" WHERE s.paper_id = p.id AND {matches or 'FALSE'})"
        )
        params.update({f"author{i}_{j}": pattern for j, pattern in enumerate(patterns)})


def _text_clauses(filters: Filters, clauses: list[str], params: dict[str, Any]) -> None:
    for i, phrase in enumerate(filters.phrases):
        clauses.append(
            f"{DOCUMENT_VECTOR_SQL} @@ phraseto_tsquery('english'::regconfig, %(phrase{i})s)"
        )
        params[f"phrase{i}"] = phrase
    for i, word in enumerate(filters.excluded):
        clauses.append(
            f"NOT ({DOCUMENT_VECTOR_SQL} @@ phraseto_tsquery('english'::regconfig,"
            f" %(excluded{i})s))"
        )
        params[f"excluded{i}"] = word


def author_patterns(name: str) -> list[str]:
    """PostgreSQL regular expressions, one per token of ``name``, that a stored author name
    (papers.text.normalize_author_name: NFKC, case-folded) must all match.

    The rule: every token of the query is a whole token of the name, in any order, so
    "Yang Liu" finds "Yang Liu" and "Liu Yang" but not "Xiaoyang Liu" or "Zhi-Yang Liu"
    (a hyphenated name is one token). Diacritics are optional on both sides ("Jose
    Muller" finds "José Müller"). Initials match both ways: "T. Dao" and "T Dao" find
    "Tri Dao", and "Tri Dao" finds a byline written "T. Dao".
    """
    return [_token_pattern(token) for token in _name_tokens(name)]


def _name_tokens(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.translate(_UNDECOMPOSED)
    return [t for t in re.split(r"[\s.,;]+", re.sub(r"[^\w\s.,;'-]", " ", plain)) if t]


def _token_pattern(token: str) -> str:
    letters = "".join(_letter_class(c) for c in token)
    if len(token) == 1:  # an initial: any name token that starts with it
        body = f"{letters}[^[:space:].,;]*"
    else:  # the whole token, or its initial as the byline may have it
        body = f"({letters}|{_letter_class(token[0])}\\.?)"
    return f"(^|[[:space:].,;]){body}($|[[:space:].,;])"


def _letter_class(char: str) -> str:
    variants = _VARIANTS.get(char)
    if variants:
        return f"[{char}{variants}]"
    return re.escape(char) if not char.isalnum() else char


def _variants() -> dict[str, str]:
    """Each plain letter's accented forms, as case-folded names hold them."""
    table: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code).casefold()
        if len(char) != 1:
            continue
        base = unicodedata.normalize("NFKD", char)[0].translate(_UNDECOMPOSED)
        if base != char and base.isascii() and base.isalpha():
            table[base] = table.get(base, "") + char
    for char, base in _UNDECOMPOSED_PAIRS.items():
        table[base] = table.get(base, "") + char
    return {base: "".join(dict.fromkeys(chars)) for base, chars in table.items()}


# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED_PAIRS = {"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ħ": "h"}
_UNDECOMPOSED = str.maketrans(_UNDECOMPOSED_PAIRS)
_VARIANTS = _variants()
