"""Writes of the papers app: bulk, idempotent upserts of harvested records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import IntegrityError, connection, transaction

from digest.lib.sql import as_columns, execute_binary, fetch_binary
from papers.harvest.records import ArxivRecord, VersionRecord
from papers.text import collapse_whitespace, latex_to_text, normalize_author_name

BATCH_SIZE = 1000


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    quarantined: int = 0  # refused by the database, kept as QuarantinedRecords

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.quarantined += other.quarantined
        return self

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.failed + self.quarantined


def papers_upsert(*, records: Iterable[ArxivRecord], batch_size: int = BATCH_SIZE) -> UpsertCounts:
    """Insert new papers and update changed ones, in bulk; idempotent.

    A paper is updated only by a record of the same or a newer version whose content
    differs; an older version never overwrites a newer one, and a stub from a trending
    source never overwrites a complete record. Each batch is its own transaction.
    """
    counts = UpsertCounts()
    # The next batch's CPU work (hashes, LaTeX renderings, author keys) runs in a thread
    # while this batch waits on PostgreSQL, which runs on the other core.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead: Future[Prepared] | None = None
        for batch in _batches(records, batch_size):
            following = pool.submit(_prepare, _latest_per_id(batch))
            if ahead is not None:
                counts += _write(ahead.result())
            ahead = following
        if ahead is not None:
            counts += _write(ahead.result())
    return counts


@dataclass
class Prepared:
    """A batch with everything computed that needs no database."""

    records: list[ArxivRecord]
    hashes: dict[str, str]
    texts: dict[str, tuple[str, str]]  # arxiv id -> (title_text, abstract_text)
    author_keys: dict[str, str]  # name as written -> normalised key


def _prepare(records: list[ArxivRecord]) -> Prepared:
    return Prepared(
        records=records,
        hashes={r.arxiv_id: content_hash(r) for r in records},
        texts={r.arxiv_id: (latex_to_text(r.title), latex_to_text(r.abstract)) for r in records},
        author_keys={name: normalize_author_name(name) for r in records for name in r.authors},
    )


def _write(prepared: Prepared) -> UpsertCounts:
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        return _upsert_batch(prepared)


def _commit_without_waiting_for_disk() -> None:
    """Asynchronous commit for this transaction only: no fsync wait per batch.

    A crash can lose the last few hundred milliseconds of commits, never corrupt them, and
    a harvest page commits its papers together with the cursor that points past them, so
    a lost commit is simply harvested again by the next run. Nothing is lost for good.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


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
    """Fingerprint of what a record says about a paper (announcement day and source aside)."""
    versions = tuple(
        (v.version, _iso(v.submitted_at), v.size, v.withdrawn) for v in record.versions
    )
    parts = (
        record.arxiv_id, record.version, record.title, record.abstract, record.authors,
        record.primary_category, record.categories, _iso(record.submitted_at),
        _iso(record.updated_at), record.doi, record.journal_ref, record.comments,
        record.license, record.withdrawn, versions, record.complete,
    )  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


# At the same version, a richer source is not overwritten by a poorer one (an RSS item
# carries no DOI or journal ref; OAI arXivRaw carries the whole version history).
SOURCE_PRECEDENCE = {"oai": 40, "arxiv": 30, "abs": 30, "sample": 20, "rss": 10, "hf": 0}


def _source_rank_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in SOURCE_PRECEDENCE.items())
    return f"(CASE {column} {cases} ELSE 20 END)"


_UPSERT_SQL = """
WITH incoming AS (
    SELECT * FROM unnest(
        %(arxiv_id)b::text[], %(version)b::int[], %(title)b::text[], %(title_text)b::text[],
        %(abstract)b::text[], %(abstract_text)b::text[], %(primary_category)b::text[],
        %(categories)b::text[], %(submitted_at)b::timestamptz[], %(updated_at)b::timestamptz[],
        %(announced_on)b::date[], %(doi)b::text[], %(journal_ref)b::text[], %(comments)b::text[],
        %(license)b::text[], %(withdrawn)b::bool[], %(is_complete)b::bool[],
        %(metadata_source)b::text[], %(content_hash)b::text[]
    ) AS t(arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
           categories, submitted_at, updated_at, announced_on, doi, journal_ref, comments,
           license, withdrawn, is_complete, metadata_source, content_hash)
)
INSERT INTO papers_paper AS p (
    arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
    categories, submitted_at, updated_at, announced_on, doi, journal_ref, comments, license,
    withdrawn, is_complete, metadata_source, content_hash, created, modified)
SELECT arxiv_id, version, title, title_text, abstract, abstract_text, primary_category,
       string_to_array(categories, ' '), submitted_at, updated_at,
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
  AND (EXCLUDED.version > p.version
       OR (EXCLUDED.version = p.version
           AND {rank_excluded} >= {rank_stored}
           AND p.content_hash IS DISTINCT FROM EXCLUDED.content_hash))
RETURNING p.id, p.arxiv_id, (p.xmax = 0) AS inserted
""".format(
    rank_excluded=_source_rank_sql("EXCLUDED.metadata_source"),
    rank_stored=_source_rank_sql("p.metadata_source"),
)


def _upsert_batch(prepared: Prepared) -> UpsertCounts:
    batch, hashes = prepared.records, prepared.hashes
    records = _drop_unchanged(batch, hashes)
    skipped = len(batch) - len(records)
    if not records:
        return UpsertCounts(unchanged=skipped)
    columns = _columns(records, prepared)
    written = fetch_binary(_UPSERT_SQL, columns)
    _fill_announcement_days(records)
    by_id = {record.arxiv_id: record for record in records}
    changed = [(paper_id, by_id[arxiv_id]) for paper_id, arxiv_id, _ in written]
    if changed:
        updated_ids = [paper_id for paper_id, _, inserted in written if not inserted]
        _replace_authorships(changed, prepared.author_keys, updated_ids=updated_ids)
        _record_versions(changed)
    new = sum(1 for *_, inserted in written if inserted)
    return UpsertCounts(
        new=new, updated=len(written) - new, unchanged=skipped + len(records) - len(written)
    )


def _fill_announcement_days(records: list[ArxivRecord]) -> None:
    """A listing may tell the announcement day of a paper another source stored without it."""
    dated = [(r.arxiv_id, r.announced_on) for r in records if r.announced_on is not None]
    if dated:
        execute_binary(
            "UPDATE papers_paper p SET announced_on = t.day FROM unnest(%b::text[], %b::date[])"
            " AS t(arxiv_id, day) WHERE p.arxiv_id = t.arxiv_id AND p.announced_on IS NULL",
            as_columns(dated, width=2),
        )


def _drop_unchanged(batch: list[ArxivRecord], hashes: dict[str, str]) -> list[ArxivRecord]:
    """Skip records whose stored paper already says the same (the common re-harvest).

    Only an optimisation: the upsert's WHERE clause enforces the same rule under races.
    """
    stored = dict(
        fetch_binary(
            "SELECT arxiv_id, announced_on IS NOT NULL FROM papers_paper"
            " WHERE arxiv_id = ANY(%b::text[]) AND content_hash = ANY(%b::text[])",
            [list(hashes), list(hashes.values())],
        )
    )
    return [
        record
        for record in batch
        if record.arxiv_id not in stored
        or (record.announced_on is not None and not stored[record.arxiv_id])
    ]


def _columns(records: list[ArxivRecord], prepared: Prepared) -> dict[str, list[object]]:
    hashes, texts = prepared.hashes, prepared.texts
    return {
        "arxiv_id": [r.arxiv_id for r in records],
        "version": [r.version for r in records],
        "title": [r.title for r in records],
        "title_text": [texts[r.arxiv_id][0] for r in records],
        "abstract": [r.abstract for r in records],
        "abstract_text": [texts[r.arxiv_id][1] for r in records],
        "primary_category": [r.primary_category for r in records],
        # Space-separated (no category code has a space): unnest takes no ragged 2-D array,
        # and string_to_array costs a fraction of a jsonb parse per row.
        "categories": [" ".join(r.categories) for r in records],
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
        "content_hash": [hashes[r.arxiv_id] for r in records],
    }


# Author ids are looked up by the statement that writes the bylines, never sent back and
# forth: one round trip and no id mapping in Python.
_BYLINES_SQL = """
INSERT INTO papers_authorship (paper_id, author_id, position)
SELECT t.paper_id, a.id, t.position
FROM unnest(%b::bigint[], %b::int[], %b::text[]) AS t(paper_id, position, author_key)
JOIN papers_author a ON a.normalized_name = t.author_key
"""
_BYLINES_NOT_WRITTEN = """
WHERE NOT EXISTS (SELECT 1 FROM papers_authorship s
                  WHERE s.paper_id = t.paper_id AND s.position = t.position)
"""


def _replace_authorships(
    changed: list[tuple[int, ArxivRecord]], keys: dict[str, str], *, updated_ids: list[int]
) -> None:
    """Authors upserted by normalised name; bylines replaced (a new paper has none yet)."""
    names, rows = _bylines(changed, keys)
    _authors_insert({key: name for key, name in names.items() if key not in _known_authors})
    if updated_ids:
        execute_binary("DELETE FROM papers_authorship WHERE paper_id = ANY(%b)", [updated_ids])
    written = execute_binary(_BYLINES_SQL, as_columns(rows, width=3))
    if written != len(rows):
        # A cached author row has gone (deleted, or a test database flushed): forget the
        # cache, create what is missing and write the bylines the join could not.
        _known_authors.clear()
        _authors_insert(names)
        written += execute_binary(_BYLINES_SQL + _BYLINES_NOT_WRITTEN, as_columns(rows, width=3))
        if written != len(rows):
            raise IntegrityError(f"{len(rows) - written} authorship(s) lost their author row")
    transaction.on_commit(lambda: _remember_authors(names))


def _authors_insert(names: dict[str, str]) -> None:
    if names:
        execute_binary(
            "INSERT INTO papers_author (name, normalized_name) SELECT * FROM unnest(%b::text[],"
            " %b::text[]) ON CONFLICT (normalized_name) DO NOTHING",
            [list(names.values()), list(names.keys())],
        )


# Normalised names of authors known to be stored (committed), so a batch skips inserting
# them: most authors of a day's papers have published before. Only a hint, never trusted:
# the bylines statement joins on the stored rows and its row count catches a stale entry.
# Bounded (cleared when full) so that memory stays flat however much is harvested.
_known_authors: set[str] = set()
KNOWN_AUTHORS_MAX = 200_000


def _remember_authors(names: dict[str, str]) -> None:
    if len(_known_authors) + len(names) > KNOWN_AUTHORS_MAX:
        _known_authors.clear()
    _known_authors.update(names)


def _bylines(
    changed: list[tuple[int, ArxivRecord]], keys: dict[str, str]
) -> tuple[dict[str, str], list[tuple[int, int, str]]]:
    """Display name per author key (first spelling seen), and (paper, position, key) rows."""
    names: dict[str, str] = {}
    rows = []
    for paper_id, record in changed:
        seen: set[str] = set()
        for name in record.authors:
            key = keys[name]
            if key not in seen:  # a name listed twice on one paper is one authorship
                seen.add(key)
                rows.append((paper_id, len(seen), key))
                names.setdefault(key, collapse_whitespace(name))
    return names, rows


def _record_versions(changed: list[tuple[int, ArxivRecord]]) -> None:
    rows = [
        (paper_id, v.version, v.submitted_at, v.size, v.withdrawn)
        for paper_id, record in changed
        for v in versions_seen(record)
    ]
    execute_binary(
        """
        INSERT INTO papers_paperversion AS v
            (paper_id, version, submitted_at, size, withdrawn, first_seen)
        SELECT *, now() FROM unnest(%b::bigint[], %b::int[], %b::timestamptz[], %b::text[],
                                    %b::bool[])
        ON CONFLICT (paper_id, version) DO UPDATE SET
            submitted_at = COALESCE(EXCLUDED.submitted_at, v.submitted_at),
            size = CASE WHEN EXCLUDED.size <> '' THEN EXCLUDED.size ELSE v.size END,
            withdrawn = EXCLUDED.withdrawn OR v.withdrawn
        """,
        as_columns(rows, width=5),
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
