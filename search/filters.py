"""What a search is narrowed to (categories, dates, authors, phrases, exclusions, code),
and the SQL condition on papers alias ``p`` that says so."""

from __future__ import annotations

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
        return bool(self.categories or self.authors or self.phrases or self.excluded
                    or self.date_from or self.date_until or self.has_code)  # fmt: skip

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


def filter_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """A WHERE condition on ``papers_paper p`` and its parameters."""
    clauses, params = ["TRUE"], {}
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
        clauses.append(
            "EXISTS (SELECT 1 FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id"
            f" WHERE s.paper_id = p.id AND a.normalized_name LIKE %(author{i})s)"
        )
        params[f"author{i}"] = f"%{_like_escape(author.casefold())}%"
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
    return " AND ".join(clauses), params


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
