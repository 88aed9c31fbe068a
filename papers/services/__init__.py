"""Writes of the papers app, one module per sub-domain."""

from papers.services.listings import listings_record
from papers.services.papers import UpsertCounts, papers_upsert
from papers.services.trending import trending_upsert

__all__ = ["UpsertCounts", "listings_record", "papers_upsert", "trending_upsert"]
