"""arXiv's own metadata conventions, and a pure parser for its internal ``.abs`` records.

An ``.abs`` record is the text arXiv renders its abstract pages, listings and OAI
``arXivRaw`` records from: one ``Date`` line per version with the size and source flags
(``0kb,I`` marks a withdrawn version), ``Key: value`` headers with indented continuation
lines, then the abstract between ``\\\\`` lines. The helpers here (author splitting,
RFC-822 dates, withdrawal detection) are shared with the ``arXivRaw`` parser in
``papers.harvest.oai`` because both formats carry the same fields as the same strings.
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from datetime import UTC, datetime

from pylatexenc.latex2text import LatexNodes2Text

from papers.harvest.records import ArxivRecord, HarvestError, VersionRecord, split_arxiv_id
from papers.text import collapse_whitespace

_ID_LINE = re.compile(r"^(?:arXiv|Paper):\s*(?P<id>\S+)\s*$")
_DATE_LINE = re.compile(
    r"^Date(?: \(revised v(?P<version>\d+)\))?:\s*(?P<date>.+?)\s+"
    r"\((?P<size>\d+kb)(?:,(?P<flags>[A-Za-z]+))?\)\s*$"
)
_HEADER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z-]*):\s?(?P<value>.*)$")
_BLOCK_SEPARATOR = re.compile(r"^\\\\\n", re.MULTILINE)
# Top-level separators between authors: commas, semicolons, "and", "&".
_AUTHOR_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+and\s+|\s*&\s*")
_NAME_LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_NAME_SUFFIX = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$")
_LEADING_AND = re.compile(r"^and\s+")
_ET_AL = re.compile(r"^et\.?\s+al\.?$", re.IGNORECASE)
# Phrases arXiv and authors use for a withdrawal; a bare "withdrawn" in an abstract
# ("the drug was withdrawn from the market") must not flag a paper.
_WITHDRAWAL_NOTICE = re.compile(
    r"\b(?:papers?|article|manuscript|submission|preprint|this)\s+"
    r"(?:has\s+been\s+|have\s+been\s+|is\s+|was\s+)?withdrawn\b"
    r"|\bwithdrawn\s+by\s+(?:the\s+)?(?:authors?|arxiv|submitter)",
    re.IGNORECASE,
)


def parse_abs(*, text: str) -> ArxivRecord:
    """One ``.abs`` record -> ArxivRecord with its full version history; raises HarvestError.

    Title, abstract and comments are kept exactly as written (LaTeX, line breaks).
    """
    blocks = _BLOCK_SEPARATOR.split(text)
    if len(blocks) < 3:
        raise HarvestError("not an arXiv .abs record: expected header and abstract blocks")
    arxiv_id, versions, fields = _parse_abs_header(blocks[1])
    title = fields.get("Title", "")
    if not versions or not title:
        raise HarvestError(f"arXiv .abs record {arxiv_id} has no Date or Title line")
    return build_record(
        arxiv_id=arxiv_id,
        versions=versions,
        title=title,
        abstract=blocks[2],
        authors=split_authors(fields.get("Authors", "")),
        categories=tuple(fields.get("Categories", "").split()),
        doi=fields.get("DOI", ""),
        journal_ref=fields.get("Journal-ref", ""),
        comments=fields.get("Comments", ""),
        license=fields.get("License", ""),
        source="abs",
    )


def _parse_abs_header(block: str) -> tuple[str, list[VersionRecord], dict[str, str]]:
    arxiv_id = ""
    versions: list[VersionRecord] = []
    fields: dict[str, str] = {}
    key = ""
    for line in block.splitlines():
        if (match := _ID_LINE.match(line)) and not arxiv_id:
            arxiv_id = split_arxiv_id(match.group("id"))[0]
        elif match := _DATE_LINE.match(line):
            versions.append(_version_from_date_line(match, number=len(versions) + 1))
        elif line[:1].isspace() and key:
            fields[key] += "\n" + line  # continuation line, kept as written
        elif match := _HEADER.match(line):
            key = match.group("key")
            fields[key] = match.group("value")
    if not arxiv_id:
        raise HarvestError("arXiv .abs record has no arXiv: identifier line")
    return arxiv_id, versions, fields


def _version_from_date_line(match: re.Match[str], *, number: int) -> VersionRecord:
    size = match.group("size")
    return VersionRecord(
        version=int(match.group("version") or number),
        submitted_at=parse_rfc822(match.group("date")),
        size=size,
        withdrawn=is_withdrawn_version(size=size, flags=match.group("flags") or ""),
    )


def build_record(
    *,
    arxiv_id: str,
    versions: list[VersionRecord],
    title: str,
    abstract: str,
    authors: tuple[str, ...],
    categories: tuple[str, ...],
    doi: str,
    journal_ref: str,
    comments: str,
    license: str,
    source: str,
) -> ArxivRecord:
    """An ArxivRecord from arXiv's fields; dates and withdrawal follow from the versions."""
    ordered = tuple(sorted(versions, key=lambda v: v.version))
    latest = ordered[-1]
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=latest.version,
        title=title,
        abstract=abstract,
        authors=authors,
        primary_category=categories[0] if categories else "",
        categories=categories,
        submitted_at=ordered[0].submitted_at,
        updated_at=latest.submitted_at,
        doi=doi,
        journal_ref=journal_ref,
        comments=comments,
        license=license,
        withdrawn=latest.withdrawn or is_withdrawal_notice(comments, abstract),
        versions=ordered,
        source=source,
    )


def parse_rfc822(value: str) -> datetime | None:
    """``'Mon, 2 Apr 2007 12:02:40 GMT'`` -> aware UTC datetime; None if unparseable."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def is_withdrawn_version(*, size: str, flags: str = "") -> bool:
    """arXiv marks a withdrawal as a version of size ``0kb`` with source flag ``I``."""
    return size.strip().lower() == "0kb" or "I" in flags


def is_withdrawal_notice(*texts: str) -> bool:
    """Whether a comment or abstract announces a withdrawal (not just uses the word)."""
    return any(_WITHDRAWAL_NOTICE.search(text) for text in texts if text)


def split_authors(authors: str) -> tuple[str, ...]:
    """arXiv's free-text author list -> ordered names, affiliations in parentheses dropped.

    ``'A. One (MIT), B. Two, and C. Three'`` -> ``('A. One', 'B. Two', 'C. Three')``;
    ``Jr.``/``III`` rejoin the name before them; LaTeX accents become Unicode.
    """
    names: list[str] = []
    for part in _AUTHOR_SEPARATOR.split(_drop_parenthesized(authors)):
        name = _LEADING_AND.sub("", collapse_whitespace(part))
        if not name or _ET_AL.match(name):
            continue
        if _NAME_SUFFIX.match(name) and names:
            names[-1] = f"{names[-1]} {name}"
            continue
        names.append(render_author_name(name))
    return tuple(names)


def render_author_name(name: str) -> str:
    """``M\\"{u}ller`` -> ``Müller``, so one person is one Author whichever source named them."""
    if "\\" not in name and "{" not in name:
        return name
    try:
        return collapse_whitespace(unicodedata.normalize("NFC", _NAME_LATEX.latex_to_text(name)))
    except Exception:  # pylatexenc raises assorted errors on malformed markup
        return name


def _drop_parenthesized(text: str) -> str:
    """Remove ``(...)`` groups, nested ones included; unbalanced text is returned whole."""
    kept: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            kept.append(char)
    return text if depth else "".join(kept)
