"""Trending signals (Hugging Face daily papers): one row per source, day and paper."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice

from django.db import transaction

from digest.lib.sql import fetch_binary
from papers.harvest.records import TrendingRecord
from papers.services.papers import BATCH_SIZE, UpsertCounts, papers_upsert


def trending_upsert(*, records: list[TrendingRecord], batch_size: int = BATCH_SIZE) -> UpsertCounts:
    """Store signals keyed by (source, day, paper), creating stub papers first; idempotent.

    Counts are of signals: ``updated`` only when a value changed, ``failed`` for a signal
    whose paper neither exists nor came with a stub. Papers the source describes are
    created as stubs through ``papers_upsert``, which never lets a stub replace a complete
    record. One INSERT ... ON CONFLICT per batch.
    """
    counts = UpsertCounts()
    with transaction.atomic():
        papers_upsert(records=[r.paper for r in records if r.paper is not None])
        signals = iter(_first_per_key(records))
        while batch := list(islice(signals, batch_size)):
            counts += _upsert_batch(batch)
    return counts


def _first_per_key(records: Iterable[TrendingRecord]) -> list[TrendingRecord]:
    """One signal per (source, day, paper), the best-ranked: ON CONFLICT needs unique keys."""
    chosen: dict[tuple[str, str, str], TrendingRecord] = {}
    for record in records:
        key = (record.source, record.day.isoformat(), record.arxiv_id)
        if key not in chosen or record.rank < chosen[key].rank:
            chosen[key] = record
    return list(chosen.values())


_UPSERT_SQL = """
WITH incoming AS (
    SELECT * FROM unnest(
        %(source)b::text[], %(day)b::date[], %(arxiv_id)b::text[], %(rank)b::int[],
        %(upvotes)b::int[], %(comments)b::int[], %(submitted_by)b::text[],
        %(github_repo)b::text[], %(github_stars)b::int[], %(project_page)b::text[],
        %(ai_summary)b::text[], %(ai_keywords)b::jsonb[], %(organization)b::text[],
        %(extra)b::jsonb[]
    ) AS t(source, day, arxiv_id, rank, upvotes, comments, submitted_by, github_repo,
           github_stars, project_page, ai_summary, ai_keywords, organization, extra)
)
INSERT INTO papers_trendingsignal AS s (
    source, day, paper_id, rank, upvotes, comments, submitted_by, github_repo, github_stars,
    project_page, ai_summary, ai_keywords, organization, extra, fetched_at)
SELECT i.source, i.day, p.id, i.rank, i.upvotes, i.comments, i.submitted_by, i.github_repo,
       i.github_stars, i.project_page, i.ai_summary,
       ARRAY(SELECT jsonb_array_elements_text(i.ai_keywords)), i.organization, i.extra, now()
FROM incoming i JOIN papers_paper p ON p.arxiv_id = i.arxiv_id
ON CONFLICT (source, day, paper_id) DO UPDATE SET
    rank = EXCLUDED.rank, upvotes = EXCLUDED.upvotes, comments = EXCLUDED.comments,
    submitted_by = EXCLUDED.submitted_by, github_repo = EXCLUDED.github_repo,
    github_stars = EXCLUDED.github_stars, project_page = EXCLUDED.project_page,
    ai_summary = EXCLUDED.ai_summary, ai_keywords = EXCLUDED.ai_keywords,
    organization = EXCLUDED.organization, extra = EXCLUDED.extra, fetched_at = now()
WHERE (s.rank, s.upvotes, s.comments, s.submitted_by, s.github_repo, s.github_stars,
       s.project_page, s.ai_summary, s.ai_keywords, s.organization, s.extra)
      IS DISTINCT FROM
      (EXCLUDED.rank, EXCLUDED.upvotes, EXCLUDED.comments, EXCLUDED.submitted_by,
       EXCLUDED.github_repo, EXCLUDED.github_stars, EXCLUDED.project_page,
       EXCLUDED.ai_summary, EXCLUDED.ai_keywords, EXCLUDED.organization, EXCLUDED.extra)
RETURNING (s.xmax = 0) AS inserted
"""

_EXISTING_SQL = "SELECT arxiv_id FROM papers_paper WHERE arxiv_id = ANY(%b::text[])"


def _upsert_batch(records: list[TrendingRecord]) -> UpsertCounts:
    ids = sorted({r.arxiv_id for r in records})
    existing = {row[0] for row in fetch_binary(_EXISTING_SQL, [ids])}
    written = [bool(row[0]) for row in fetch_binary(_UPSERT_SQL, _columns(records))]
    new = sum(written)
    matched = sum(1 for r in records if r.arxiv_id in existing)  # the rest have no paper row
    return UpsertCounts(
        new=new,
        updated=len(written) - new,
        unchanged=matched - len(written),
        failed=len(records) - matched,
    )


def _columns(records: list[TrendingRecord]) -> dict[str, list[object]]:
    return {
        "source": [r.source for r in records],
        "day": [r.day for r in records],
        "arxiv_id": [r.arxiv_id for r in records],
        "rank": [r.rank for r in records],
        "upvotes": [r.upvotes for r in records],
        "comments": [r.comments for r in records],
        "submitted_by": [r.submitted_by for r in records],
        "github_repo": [r.github_repo for r in records],
        "github_stars": [r.github_stars for r in records],
        "project_page": [r.project_page for r in records],
        "ai_summary": [r.ai_summary for r in records],
        "ai_keywords": [json.dumps(list(r.ai_keywords)) for r in records],
        "organization": [r.organization for r in records],
        "extra": [json.dumps(r.extra, sort_keys=True, default=str) for r in records],
    }
