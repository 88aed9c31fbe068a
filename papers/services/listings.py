"""Announcement listings per day and category, for completeness checks."""

from __future__ import annotations

from papers.harvest.records import ListingEntry


def listings_record(*, entries: list[ListingEntry]) -> None:
    raise NotImplementedError("being written")
