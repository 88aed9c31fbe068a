"""Trending signals (Hugging Face daily papers): written by the HF harvest work."""

from __future__ import annotations

from papers.harvest.records import TrendingRecord
from papers.services.papers import UpsertCounts


def trending_upsert(*, records: list[TrendingRecord]) -> UpsertCounts:
    raise NotImplementedError("being written")
