"""Completeness: a day's announced papers that are missing get fetched by id."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import responses

from papers.harvest.records import ListingEntry
from papers.models import AnnouncementDay, Paper
from papers.services import listings_record
from papers.services.harvest import harvest_source
from tests.papers.factories import ArxivRecordFactory

FIXTURE = Path(__file__).parent.parent / "fixtures/arxiv_api"
DAY = date(2026, 6, 2)

pytestmark = pytest.mark.django_db


def recorded(name: str) -> tuple[str, bytes]:
    data = json.loads((FIXTURE / name).read_text())
    return data["url"], data["body"].encode("latin-1")


def announce(*ids: str) -> None:
    listings_record(
        entries=[
            ListingEntry(
                arxiv_id=i, version=1, category="cs.LG", announce_type="new", announced_on=DAY
            )
            for i in ids
        ]
    )


@responses.activate
def test_reconciling_fetches_the_announced_papers_that_are_missing(monkeypatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    url, body = recorded("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json")
    responses.add(
        responses.GET, url.split("?")[0], body=body, status=200,
        match=[responses.matchers.query_string_matcher(url.split("?", 1)[1])],
    )  # fmt: skip
    from papers.services.papers import papers_upsert

    papers_upsert(records=[ArxivRecordFactory.build(arxiv_id="2606.00001")])
    announce("2606.00001", "0808.05394", "1707.08567")
    day = AnnouncementDay.objects.get(day=DAY, category="cs.LG")
    assert (day.announced, day.stored) == (3, 1)

    run = harvest_source(source="reconcile", params={"from": "2026-06-02", "until": "2026-06-02"})

    day.refresh_from_db()
    assert run.status == "succeeded"
    # The API silently drops 0808.05394 (it does not exist): fetched 1, 1 still missing.
    assert (run.new, run.failed) == (1, 1)
    assert Paper.objects.filter(arxiv_id="1707.08567", is_complete=True).exists()
    assert (day.announced, day.stored) == (3, 2)


def test_a_complete_day_needs_no_request() -> None:
    from papers.services.papers import papers_upsert

    papers_upsert(records=[ArxivRecordFactory.build(arxiv_id="2606.00002")])
    announce("2606.00002")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        run = harvest_source(source="reconcile", params={"from": "2026-06-02"})
        assert len(mock.calls) == 0
    assert (run.status, run.new, run.failed) == ("succeeded", 0, 0)
