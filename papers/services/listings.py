"""Announcement listings per day and category, for completeness checks."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from django.db import connection, transaction

from digest.lib.sql import execute_binary
from papers.harvest.records import ListingEntry
from papers.models import AnnouncementDay

_ID_LISTS = {"new": "new", "cross": "cross", "replace": "replaced", "replace-cross": "replaced"}

# Arrays are merged as sorted sets, so recording a listing again leaves them identical.
_MERGE_SQL = """
INSERT INTO papers_announcementday AS a (day, category, new_ids, cross_ids, replaced_ids, stored)
SELECT day, category,
       ARRAY(SELECT jsonb_array_elements_text(new_ids)),
       ARRAY(SELECT jsonb_array_elements_text(cross_ids)),
       ARRAY(SELECT jsonb_array_elements_text(replaced_ids)), 0
FROM unnest(%(day)b::date[], %(category)b::text[], %(new)b::jsonb[], %(cross)b::jsonb[],
            %(replaced)b::jsonb[]) AS t(day, category, new_ids, cross_ids, replaced_ids)
ON CONFLICT (day, category) DO UPDATE SET
    new_ids = ARRAY(SELECT DISTINCT i FROM unnest(a.new_ids || EXCLUDED.new_ids) i ORDER BY i),
    cross_ids = ARRAY(
        SELECT DISTINCT i FROM unnest(a.cross_ids || EXCLUDED.cross_ids) i ORDER BY i),
    replaced_ids = ARRAY(
        SELECT DISTINCT i FROM unnest(a.replaced_ids || EXCLUDED.replaced_ids) i ORDER BY i)
"""

_REFRESH_SQL = """
UPDATE papers_announcementday a SET
    stored = (SELECT count(*) FROM papers_paper p
              WHERE p.is_complete AND p.arxiv_id = ANY(a.new_ids || a.cross_ids || a.replaced_ids)),
    checked_at = now()
WHERE (a.day, a.category) IN (SELECT * FROM unnest(%b::date[], %b::text[]))
"""

_MISSING_SQL = """
SELECT a.category, array_agg(DISTINCT i ORDER BY i)
FROM papers_announcementday a, unnest(a.new_ids || a.cross_ids || a.replaced_ids) AS i
WHERE a.day = %s
  AND NOT EXISTS (SELECT 1 FROM papers_paper p WHERE p.arxiv_id = i AND p.is_complete)
GROUP BY a.category
ORDER BY a.category
"""


def listings_record(*, entries: list[ListingEntry]) -> None:
    """Merge announced ids into their (day, category) rows, then recount what is stored.

    Idempotent: ids are a set union, so the same listing recorded twice changes only
    ``checked_at``. ``replace`` and ``replace-cross`` both count as replaced.
    """
    grouped: dict[tuple[date, str], dict[str, set[str]]] = defaultdict(
        lambda: {"new": set(), "cross": set(), "replaced": set()}
    )
    for entry in entries:
        grouped[(entry.announced_on, entry.category)][_ID_LISTS[entry.announce_type]].add(
            entry.arxiv_id
        )
    if not grouped:
        return
    keys = sorted(grouped)
    with transaction.atomic():
        execute_binary(_MERGE_SQL, _columns(keys, grouped))
        execute_binary(_REFRESH_SQL, [[day for day, _ in keys], [cat for _, cat in keys]])


def _columns(
    keys: list[tuple[date, str]], grouped: dict[tuple[date, str], dict[str, set[str]]]
) -> dict[str, list[object]]:
    return {
        "day": [day for day, _ in keys],
        "category": [category for _, category in keys],
        **{
            kind: [json.dumps(sorted(grouped[key][kind])) for key in keys]
            for kind in ("new", "cross", "replaced")
        },
    }


def announcement_day_refresh(*, day: date, category: str) -> AnnouncementDay:
    """Recount how many of the day's announced papers are stored complete; stamp checked_at."""
    execute_binary(_REFRESH_SQL, [[day], [category]])
    return AnnouncementDay.objects.get(day=day, category=category)


def announcement_days_missing_ids(*, day: date) -> dict[str, list[str]]:
    """Per category announced on ``day``, the ids not stored as complete papers (sorted).

    Categories with nothing missing are left out: an empty dict means the day is complete.
    """
    with connection.cursor() as cursor:
        cursor.execute(_MISSING_SQL, [day])
        return {category: list(ids) for category, ids in cursor.fetchall()}
