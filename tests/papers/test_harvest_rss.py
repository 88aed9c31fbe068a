"""arXiv RSS daily listings, replayed from recorded real feeds through the real client."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest
import responses

from digest.lib.http import HttpClient
from papers.harvest.records import ListingEntry
from papers.harvest.rss import ARXIV_RSS_URL, RssSource, rss_parse
from papers.harvest.runs import harvest_run_execute, harvest_run_start
from papers.models import AnnouncementDay, HarvestRun, Paper
from papers.services import papers_upsert
from papers.services.listings import (
    announcement_day_refresh,
    announcement_days_missing_ids,
    listings_record,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv_rss"
FEEDS = {
    "cs.AI": (FIXTURES / "arxiv_cs_ai.xml").read_bytes(),
    "cs.CL": (FIXTURES / "arxiv_cs_cl.xml").read_bytes(),
    "cs.LG": (FIXTURES / "arxiv_cs_lg.xml").read_bytes(),
}
DAY = date(2026, 4, 27)
AI_IDS = ["2604.21935", "2604.21936", "2604.21937"]


def serve(rsps: responses.RequestsMock, categories: str, body: bytes) -> None:
    rsps.get(ARXIV_RSS_URL + categories, body=body, content_type="application/rss+xml")


def harvest(*categories: str) -> HarvestRun:
    run = harvest_run_start(source="rss", params={"categories": list(categories)})
    source = RssSource(client=HttpClient(sleep=lambda _: None))
    return harvest_run_execute(run=run, source=source)


def entries(category: str) -> list[ListingEntry]:
    return rss_parse(FEEDS[category], categories=[category]).entries


def test_the_three_recorded_feeds_parse_into_nine_new_listings() -> None:
    parsed = {category: entries(category) for category in FEEDS}

    assert {c: [(e.arxiv_id, e.version) for e in es] for c, es in parsed.items()} == {
        "cs.AI": [("2604.21935", 1), ("2604.21936", 1), ("2604.21937", 1)],
        "cs.CL": [("2604.22002", 1), ("2604.22027", 1), ("2604.22038", 1)],
        "cs.LG": [("2604.21952", 1), ("2604.21953", 1), ("2604.21956", 1)],
    }
    flat = [entry for es in parsed.values() for entry in es]
    assert {(e.announce_type, e.announced_on) for e in flat} == {("new", DAY)}
    assert [e.category for e in flat] == ["cs.AI"] * 3 + ["cs.CL"] * 3 + ["cs.LG"] * 3
    assert all(e.record is not None and e.record.complete for e in flat)


def test_an_items_record_carries_the_abstract_after_the_literal_newline() -> None:
    assert b"Announce Type: new \nAbstract: Although language models" in FEEDS["cs.AI"]
    record = entries("cs.AI")[0].record
    assert record is not None

    assert record.title == (
        "Math Takes Two: A test for emergent mathematical reasoning in communication"
    )
    assert record.abstract.startswith("Although language models demonstrate remarkable")
    assert record.abstract.endswith("with emergent numerical reasoning capabilities.")
    assert (record.authors, record.categories) == (
        ("Michael Cooper", "Samuel Cooper"),
        ("cs.AI", "cs.LG"),
    )
    assert (record.primary_category, record.license, record.source) == (
        "cs.AI",
        "http://creativecommons.org/licenses/by/4.0/",
        "rss",
    )
    assert (record.version, record.announced_on) == (1, DAY)


def test_comma_separated_creators_are_split_into_authors() -> None:
    record = entries("cs.CL")[0].record
    assert record is not None
    # The feed says "Ratna Kandala,  Deepti": a mononymous author after a double space.
    assert record.authors == (
        "Anamta Khan",
        "Ratna Kandala",
        "Deepti",
        "Sheza Munir",
        "Joyojeet Pal",
    )
    assert len(entries("cs.AI")[1].record.authors) == 18  # type: ignore[union-attr]


def test_a_combined_feed_lists_each_item_under_its_first_requested_category() -> None:
    # 2604.22027 is in cs.CL, cs.AI and cs.LG.
    as_cl_ai = rss_parse(FEEDS["cs.CL"], categories=["cs.AI", "cs.CL"]).entries
    as_lg_ai = rss_parse(FEEDS["cs.CL"], categories=["cs.LG", "cs.AI"]).entries

    assert [e.category for e in as_cl_ai] == ["cs.CL", "cs.CL", "cs.CL"]
    assert as_lg_ai[1].category == "cs.AI"
    assert as_lg_ai[0].category == "cs.CL"  # in neither requested category: its first


def test_harvesting_the_feeds_creates_announcement_days_with_exact_counts() -> None:
    with responses.RequestsMock() as rsps:
        for category, body in FEEDS.items():
            serve(rsps, category, body)
        runs = [harvest(category) for category in FEEDS]

    assert [(r.status, r.pages, r.new) for r in runs] == [("succeeded", 1, 3)] * 3
    assert runs[0].cursor == {"announced_on": "2026-04-27", "items": 3}
    days = {d.category: d for d in AnnouncementDay.objects.filter(day=DAY)}
    assert sorted(days) == ["cs.AI", "cs.CL", "cs.LG"]
    assert days["cs.AI"].new_ids == AI_IDS
    assert (days["cs.AI"].cross_ids, days["cs.AI"].replaced_ids) == ([], [])
    assert [(d.announced, d.stored) for d in days.values()] == [(3, 3)] * 3
    assert days["cs.AI"].checked_at is not None
    paper = Paper.objects.get(arxiv_id="2604.21935")
    assert (paper.is_complete, paper.metadata_source, paper.announced_on) == (True, "rss", DAY)


def test_recording_the_same_listing_twice_changes_nothing() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, "cs.AI", FEEDS["cs.AI"])
        harvest("cs.AI")
        second = harvest("cs.AI")
    listings_record(entries=entries("cs.AI"))

    assert (second.status, second.new, second.updated, second.unchanged) == ("succeeded", 0, 0, 3)
    day = AnnouncementDay.objects.get()
    assert (day.new_ids, day.cross_ids, day.replaced_ids, day.stored) == (AI_IDS, [], [], 3)


def test_completeness_counts_announced_papers_once_they_are_stored() -> None:
    listed = entries("cs.AI")
    listings_record(entries=listed)
    before = AnnouncementDay.objects.get(day=DAY, category="cs.AI")
    assert (before.announced, before.stored, before.completeness) == (3, 0, 0.0)
    assert announcement_days_missing_ids(day=DAY) == {"cs.AI": AI_IDS}

    papers_upsert(records=[e.record for e in listed[:2] if e.record is not None])
    partly = announcement_day_refresh(day=DAY, category="cs.AI")
    assert (partly.stored, announcement_days_missing_ids(day=DAY)) == (2, {"cs.AI": AI_IDS[2:]})

    papers_upsert(records=[e.record for e in listed[2:] if e.record is not None])
    after = announcement_day_refresh(day=DAY, category="cs.AI")
    assert (after.stored, after.completeness, announcement_days_missing_ids(day=DAY)) == (3, 1, {})


def test_a_stub_from_a_trending_source_does_not_count_as_stored() -> None:
    listed = entries("cs.AI")
    record = listed[0].record
    assert record is not None
    papers_upsert(records=[dataclasses.replace(record, complete=False)])
    listings_record(entries=listed)

    assert AnnouncementDay.objects.get().stored == 0
    assert announcement_days_missing_ids(day=DAY) == {"cs.AI": AI_IDS}


def test_replacements_and_cross_lists_are_kept_apart_and_merge_as_sets() -> None:
    # Derived from a real feed: the first item re-announced as a v2 replacement.
    replaced = (
        FEEDS["cs.AI"]
        .replace(b"oai:arXiv.org:2604.21935v1", b"oai:arXiv.org:2604.21935v2")
        .replace(b"<arxiv:announce_type>new</", b"<arxiv:announce_type>replace</", 1)
    )
    crossed = FEEDS["cs.CL"].replace(
        b"<arxiv:announce_type>new</", b"<arxiv:announce_type>cross</", 1
    )
    listing = rss_parse(replaced, categories=["cs.AI"]).entries
    assert (listing[0].announce_type, listing[0].version) == ("replace", 2)
    assert listing[0].record is not None and listing[0].record.announced_on is None

    listings_record(entries=entries("cs.AI"))
    listings_record(entries=listing + rss_parse(crossed, categories=["cs.AI"]).entries)

    day = AnnouncementDay.objects.get(day=DAY, category="cs.AI")
    assert day.new_ids == [*AI_IDS, "2604.22027", "2604.22038"]
    assert (day.cross_ids, day.replaced_ids) == (["2604.22002"], ["2604.21935"])
    assert day.announced == 6


def test_a_resumed_run_still_fetches_the_feed_of_the_day() -> None:
    # The scheduled params never change, so an interrupted earlier run is resumed by today's.
    HarvestRun.objects.create(
        source="rss",
        params={"categories": ["cs.AI"]},
        cursor={"announced_on": "2026-04-24", "items": 5},
    )
    with responses.RequestsMock() as rsps:
        serve(rsps, "cs.AI", FEEDS["cs.AI"])
        run = harvest("cs.AI")

    assert (run.status, run.new) == ("succeeded", 3)
    assert AnnouncementDay.objects.get().new_ids == AI_IDS


def test_an_empty_weekend_feed_is_an_empty_successful_listing() -> None:
    empty = re.sub(rb"\s*<item>.*?</item>", b"", FEEDS["cs.AI"], flags=re.DOTALL)
    assert b"<item>" not in empty and b"<channel>" in empty
    with responses.RequestsMock() as rsps:
        serve(rsps, "cs.AI", empty)
        run = harvest("cs.AI")

    assert (run.status, run.pages, run.new, run.failed) == ("succeeded", 1, 0, 0)
    assert AnnouncementDay.objects.count() == 0
    assert rss_parse(empty, categories=["cs.AI"]).announced_on == DAY


def test_malformed_xml_fails_the_run_with_a_clear_error() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, "cs.AI", FEEDS["cs.AI"][:3000])
        run = harvest("cs.AI")

    assert run.status == "failed"
    assert run.error.startswith("arXiv RSS: malformed XML")
    assert (AnnouncementDay.objects.count(), Paper.objects.count()) == (0, 0)


def test_an_html_error_page_is_not_taken_for_an_empty_listing() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, "cs.AI", b"<html><body><h1>Service Unavailable</h1></body></html>")
        run = harvest("cs.AI")

    assert run.status == "failed"
    assert run.error.startswith("arXiv RSS:")
