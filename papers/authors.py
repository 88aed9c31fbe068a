"""Author records and the people behind them: the homonym rule (docs/authors.md).

An ``Author`` row is one normalised name, so two researchers who write their name the same
way share a row. Where the data allows we tell them apart by field: a paper's field is
its primary category's arXiv archive, with the archives one research community shares
taken together (``cs``, ``stat`` and ``eess``; ``math`` and ``math-ph``; the ``hep-*``
archives; the ``nucl-*`` archives). A name's papers in two fields belong to one person
when some paper in one field shares a co-author with some paper in the other (a
physicist who moved to machine learning keeps her collaborators); otherwise they are
shown, and followed, as different people. One field, or fields bridged by co-authors,
means one person, as before.

A person is named by a key, ``"<author id>"`` for a name that is one person, else
``"<author id>@<field>+<field>"``: stable as long as the fields do not merge, readable in a
follow, and checkable against a new paper with its author id and primary category alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from papers.models import Author, Authorship, Paper

FIELD_OF_ARCHIVE = {"stat": "cs", "eess": "cs", "math-ph": "math"}
FIELD_PREFIXES = {"hep-": "hep", "nucl-": "nucl"}
FIELD_NAMES = {
    "cs": "computer science, statistics and EE",
    "math": "mathematics",
    "hep": "high-energy physics",
    "nucl": "nuclear physics",
    "astro-ph": "astrophysics",
    "cond-mat": "condensed matter",
    "quant-ph": "quantum physics",
    "physics": "physics",
    "q-bio": "quantitative biology",
    "q-fin": "quantitative finance",
    "econ": "economics",
    "gr-qc": "general relativity",
}
_KEY = re.compile(r"^(\d+)(?:@([a-z-]+(?:\+[a-z-]+)*))?$")


def paper_field(primary_category: str) -> str:
    """The field of a paper from its primary category ('stat.ML' → 'cs')."""
    archive = primary_category.split(".", 1)[0].lower()
    for prefix, field in FIELD_PREFIXES.items():
        if archive.startswith(prefix):
            return field
    return FIELD_OF_ARCHIVE.get(archive, archive)


def field_archives_q(fields: frozenset[str]) -> Q:
    """A filter on Paper for primary categories in these fields."""
    archives = {a for a, f in FIELD_OF_ARCHIVE.items() if f in fields} | set(fields)
    prefixes = [p for p, f in FIELD_PREFIXES.items() if f in fields]
    pattern = "^(" + "|".join(sorted(re.escape(a) for a in archives)) + r")(\.|$)"
    query = Q(primary_category__iregex=pattern)
    for prefix in prefixes:
        query |= Q(primary_category__istartswith=prefix)
    return query


@dataclass(frozen=True)
class AuthorPerson:
    """One researcher behind an author name: the fields they publish in."""

    author: Author
    fields: frozenset[str]  # empty: the name is one person, whatever the field
    papers: int = 0
    first: date | None = None
    last: date | None = None

    @property
    def key(self) -> str:
        if not self.fields:
            return str(self.author.pk)
        return f"{self.author.pk}@" + "+".join(sorted(self.fields))

    @property
    def field_label(self) -> str:
        return " and ".join(FIELD_NAMES.get(f, f) for f in sorted(self.fields))

    def papers_q(self) -> Q:
        """A filter on Paper for this person's papers."""
        query = Q(authorships__author=self.author)
        return query & field_archives_q(self.fields) if self.fields else query


def author_key_parse(key: str) -> tuple[int, frozenset[str]] | None:
    """(author id, fields) from a person key; None if malformed."""
    match = _KEY.match(key)
    if match is None:
        return None
    fields = frozenset(match.group(2).split("+")) if match.group(2) else frozenset()
    return int(match.group(1)), fields


def author_people(*, author: Author) -> list[AuthorPerson]:
    """The people behind an author name by the rule above, most papers first; two queries."""
    rows = list(
        Paper.objects.filter(authorships__author=author).values_list(
            "pk", "primary_category", "submitted_at"
        )
    )
    field_of = {pk: paper_field(primary or "") for pk, primary, _ in rows}
    groups = _merged_fields(author, field_of)
    if len(groups) <= 1:
        return [_person(author, frozenset(), rows)]
    people = [
        _person(author, fields, [r for r in rows if field_of[r[0]] in fields]) for fields in groups
    ]
    return sorted(people, key=lambda p: (-p.papers, p.key))


def _merged_fields(author: Author, field_of: dict[int, str]) -> list[frozenset[str]]:
    """The name's fields, merged where papers of two fields share a co-author (union-find)."""
    parent = {field: field for field in set(field_of.values())}

    def root(field: str) -> str:
        while parent[field] != field:
            field = parent[field]
        return field

    coauthor_fields: dict[int, set[str]] = defaultdict(set)
    others = Authorship.objects.filter(paper_id__in=list(field_of)).exclude(author=author)
    for paper_id, coauthor_id in others.values_list("paper_id", "author_id"):
        coauthor_fields[coauthor_id].add(field_of[paper_id])
    for fields in coauthor_fields.values():
        first, *rest = sorted(fields)
        for field in rest:
            parent[root(field)] = root(first)
    merged: dict[str, set[str]] = defaultdict(set)
    for field in parent:
        merged[root(field)].add(field)
    return [frozenset(group) for group in merged.values()]


def _person(author: Author, fields: frozenset[str], rows: list[tuple[Any, ...]]) -> AuthorPerson:
    days = sorted(submitted.date() for _, _, submitted in rows if submitted is not None)
    return AuthorPerson(
        author=author,
        fields=fields,
        papers=len(rows),
        first=days[0] if days else None,
        last=days[-1] if days else None,
    )


def author_person_get(*, key: str) -> AuthorPerson | None:
    """The person a key names, or None for an unknown author or malformed key."""
    parsed = author_key_parse(key)
    if parsed is None:
        return None
    author = Author.objects.filter(pk=parsed[0]).first()
    if author is None:
        return None
    return AuthorPerson(author=author, fields=parsed[1])


def authors_people_get(*, keys: list[str]) -> list[AuthorPerson]:
    """The people these keys name (unknown authors left out), by name; one query."""
    parsed = [p for key in keys if (p := author_key_parse(key)) is not None]
    authors = Author.objects.in_bulk([author_id for author_id, _ in parsed])
    people = [AuthorPerson(authors[a], f) for a, f in parsed if a in authors]
    return sorted(people, key=lambda p: (p.author.name, p.key))


def papers_by_people(*, keys: list[str], paper_ids: list[int]) -> dict[int, list[str]]:
    """{paper id: names of the followed people among its authors}, for these papers; one query."""
    wanted = [parsed for key in keys if (parsed := author_key_parse(key)) is not None]
    if not wanted or not paper_ids:
        return {}
    rows = Authorship.objects.filter(
        paper_id__in=paper_ids, author_id__in={author_id for author_id, _ in wanted}
    ).values_list("paper_id", "author_id", "author__name", "paper__primary_category")
    found: dict[int, list[str]] = defaultdict(list)
    for paper_id, author_id, name, primary in rows:
        field = paper_field(primary or "")
        if any(a == author_id and (not f or field in f) for a, f in wanted):
            found[paper_id].append(name)
    return dict(found)


def person_papers(*, person: AuthorPerson) -> QuerySet[Paper]:
    return Paper.objects.filter(person.papers_q()).order_by("-submitted_at", "-id")
