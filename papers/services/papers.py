"""Writes of the papers app: bulk, idempotent upserts of harvested records."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice

from django.db import connection, transaction

from papers.harvest.records import ArxivRecord, VersionRecord
from papers.text import collapse_whitespace, latex_to_text, normalize_author_name

BATCH_SIZE = 1000


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        return self

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.failed


def papers_upsert(*, records: Iterable[ArxivRecord], batch_size: int = BATCH_SIZE) -> UpsertCounts:
    """Insert new papers and update changed ones, in bulk; idempotent.

    A paper is updated only by a record of the same or a newer version whose content
    differs; an older version never overwrites a newer one, and a stub from a trending
    source never overwrites a complete record. Each batch is its own transaction.
    """
    counts = UpsertCounts()
    for batch in _batches(records, batch_size):
        with transaction.atomic():
            counts += _upsert_batch(_latest_per_id(batch))
    return counts


def _batches(records: Iterable[ArxivRecord], size: int) -> Iterator[list[ArxivRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _latest_per_id(batch: list[ArxivRecord]) -> list[ArxivRecord]:
    """One record per id (the newest version, complete before stub): ON CONFLICT needs it."""
    chosen: dict[str, ArxivRecord] = {}
    for record in batch:
        current = chosen.get(record.arxiv_id)
        if current is None or (record.version, record.complete) >= (
            current.version,
            current.complete,
        ):
            chosen[record.arxiv_id] = record
    return list(chosen.values())


def content_hash(record: ArxivRecord) -> str:
    """Fingerprint of what a record says about a paper (its announcement day excluded)."""
    payload = asdict(record)
    payload.pop("announced_on")
    payload.pop("source")
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


_UPSERT_SQL = """
WITH incoming AS (
    SELECT * FROM unnest(
        %(arxiv_id)s::text[], %(version)s::int[], %(title)s::text[], %(title_text)s::text[],
        %(abstract)s::text[], %(abstract_text)s::text[], %(primary_category)s::text[],
        %(categories)s::jsonb[], %(submitted_at)s::timestamptz[], %(updated_at)s::timestamptz[],
        %(announced_on)s::date[], %(doi)s::text[], %(journal_ref)s::text[], %(comments)s::text[],
        %(license)s::text[], %(withdrawn)s::bool[], %(is_complete)s::bool[],
        %(metadata_source)s::text[], %(content_hash)s::text[]
    ) AS t(arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
           categories, submitted_at, updated_at, announced_on, doi, journal_ref, comments,
           license, withdrawn, is_complete, metadata_source, content_hash)
)
INSERT INTO papers_paper AS p (
    arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
    categories, submitted_at, updated_at, announced_on, doi, journal_ref, comments, license,
    withdrawn, is_complete, metadata_source, content_hash, created, modified)
SELECT arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
       ARRAY(SELECT jsonb_array_elements_text(categories)), submitted_at, updated_at,
       announced_on, doi, journal_ref, comments, license, withdrawn, is_complete,
       metadata_source, content_hash, now(), now()
FROM incoming
ON CONFLICT (arxiv_id) DO UPDATE SET
    version = EXCLUDED.version, title = EXCLUDED.title, title_text = EXCLUDED.title_text,
    abstract = EXCLUDED.abstract, abstract_text = EXCLUDED.abstract_text,
    primary_category = EXCLUDED.primary_category, categories = EXCLUDED.categories,
    submitted_at = COALESCE(EXCLUDED.submitted_at, p.submitted_at),
    updated_at = COALESCE(EXCLUDED.updated_at, p.updated_at),
    announced_on = COALESCE(p.announced_on, EXCLUDED.announced_on),
    doi = EXCLUDED.doi, journal_ref = EXCLUDED.journal_ref, comments = EXCLUDED.comments,
    license = EXCLUDED.license, withdrawn = EXCLUDED.withdrawn,
    is_complete = EXCLUDED.is_complete, metadata_source = EXCLUDED.metadata_source,
    content_hash = EXCLUDED.content_hash, modified = now()
WHERE NOT (p.is_complete AND NOT EXCLUDED.is_complete)
  AND EXCLUDED.version >= p.version
  AND (p.content_hash IS DISTINCT FROM EXCLUDED.content_hash
       OR (p.announced_on IS NULL AND EXCLUDED.announced_on IS NOT NULL))
RETURNING p.id, p.arxiv_id, (p.xmax = 0) AS inserted
"""


def _upsert_batch(records: list[ArxivRecord]) -> UpsertCounts:
    if not records:
        return UpsertCounts()
    columns = _columns(records)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, columns)
        written = cursor.fetchall()
    by_id = {record.arxiv_id: record for record in records}
    changed = [(paper_id, by_id[arxiv_id]) for paper_id, arxiv_id, _ in written]
    if changed:
        _replace_authorships(changed)
        _record_versions(changed)
    new = sum(1 for *_, inserted in written if inserted)
    return UpsertCounts(new=new, updated=len(written) - new, unchanged=len(records) - len(written))


def _columns(records: list[ArxivRecord]) -> dict[str, list[object]]:
    return {
        "arxiv_id": [r.arxiv_id for r in records],
        "version": [r.version for r in records],
        "title": [r.title for r in records],
        "title_text": [latex_to_text(r.title) for r in records],
        "abstract": [r.abstract for r in records],
        "abstract_text": [latex_to_text(r.abstract) for r in records],
        "primary_category": [r.primary_category for r in records],
        "categories": [json.dumps(list(r.categories)) for r in records],
        "submitted_at": [r.submitted_at for r in records],
        "updated_at": [r.updated_at for r in records],
        "announced_on": [r.announced_on for r in records],
        "doi": [r.doi for r in records],
        "journal_ref": [r.journal_ref for r in records],
        "comments": [r.comments for r in records],
        "license": [r.license for r in records],
        "withdrawn": [r.withdrawn for r in records],
        "is_complete": [r.complete for r in records],
        "metadata_source": [r.source for r in records],
        "content_hash": [content_hash(r) for r in records],
    }


def _replace_authorships(changed: list[tuple[int, ArxivRecord]]) -> None:
    names: dict[str, str] = {}
    for _, record in changed:
        for name in record.authors:
            names.setdefault(normalize_author_name(name), collapse_whitespace(name))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO papers_author (name, normalized_name) "
            "SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT (normalized_name) DO NOTHING",
            [list(names.values()), list(names.keys())],
        )
        cursor.execute(
            "SELECT normalized_name, id FROM papers_author WHERE normalized_name = ANY(%s)",
            [list(names.keys())],
        )
        author_ids = dict(cursor.fetchall())
        rows = _authorship_rows(changed, author_ids)
        cursor.execute(
            "DELETE FROM papers_authorship WHERE paper_id = ANY(%s)",
            [[paper_id for paper_id, _ in changed]],
        )
        cursor.execute(
            "INSERT INTO papers_authorship (paper_id, author_id, position) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[])",
            [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], []],
        )


def _authorship_rows(
    changed: list[tuple[int, ArxivRecord]], author_ids: dict[str, int]
) -> list[tuple[int, int, int]]:
    rows = []
    for paper_id, record in changed:
        seen: set[int] = set()
        for name in record.authors:
            author_id = author_ids[normalize_author_name(name)]
            if author_id not in seen:  # a name listed twice on one paper is one authorship
                seen.add(author_id)
                rows.append((paper_id, author_id, len(seen)))
    return rows


def _record_versions(changed: list[tuple[int, ArxivRecord]]) -> None:
    rows = [
        (paper_id, v.version, v.submitted_at, v.size, v.withdrawn)
        for paper_id, record in changed
        for v in versions_seen(record)
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO papers_paperversion AS v
                (paper_id, version, submitted_at, size, withdrawn, first_seen)
            SELECT *, now() FROM unnest(
                %s::bigint[], %s::int[], %s::timestamptz[], %s::text[], %s::bool[])
            ON CONFLICT (paper_id, version) DO UPDATE SET
                submitted_at = COALESCE(EXCLUDED.submitted_at, v.submitted_at),
                size = CASE WHEN EXCLUDED.size <> '' THEN EXCLUDED.size ELSE v.size END,
                withdrawn = EXCLUDED.withdrawn OR v.withdrawn
            """,
            [list(column) for column in zip(*rows, strict=True)],
        )


def versions_seen(record: ArxivRecord) -> tuple[VersionRecord, ...]:
    """The versions a record attests: its full history if given, else what its dates imply."""
    if record.versions:
        return record.versions
    latest = VersionRecord(
        version=record.version,
        submitted_at=record.updated_at if record.version > 1 else record.submitted_at,
        withdrawn=record.withdrawn,
    )
    if record.version > 1 and record.submitted_at is not None:
        return (VersionRecord(version=1, submitted_at=record.submitted_at), latest)
    return (latest,)
