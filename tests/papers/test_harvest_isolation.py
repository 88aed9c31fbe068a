"""One bad record never blocks a harvest (issue 20, problem 3).

Each kind of value PostgreSQL refuses goes through each harvester, its real parser and the
real database: a NUL character, a lone surrogate, an integer beyond its column, a string
beyond its column. Text is cleaned and stored; a record that still cannot be stored is
quarantined (source, id, payload, reason) while the rest of its page is stored and the
cursor moves past it.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client

from papers.harvest.arxiv_api import arxiv_http_client
from papers.models import AnnouncementDay, HarvestRun, Paper, TrendingSignal
from tests.papers import test_harvest_arxiv_api as arxiv_api
from tests.papers import test_harvest_hf as hf
from tests.papers import test_harvest_oai as oai
from tests.papers import test_harvest_rss as rss

pytestmark = pytest.mark.django_db

HUGE = 2**40  # the Hugging Face upvotes the probe saw fail a page


def hf_page(entries: list[dict[str, Any]]) -> bytes:
    """Entries as the API would serve them; ASCII-escaped so lone surrogates survive."""
    return json.dumps(entries, separators=(",", ":")).encode()


def harvest_hf_two_pages(entries: list[dict[str, Any]]) -> HarvestRun:
    with responses.RequestsMock() as rsps:
        hf.serve(rsps, hf_page(entries[:20]), limit=20)
        hf.serve(rsps, hf_page(entries[20:]), page=1, limit=20)
        return hf.harvest(limit=20)


def quarantine() -> Any:
    """QuarantinedRecord's manager (imported late: the tests run, and fail, without it)."""
    from papers.models import QuarantinedRecord

    return QuarantinedRecord.objects


def quarantined(arxiv_id: str) -> Any:
    return quarantine().get(record_id=arxiv_id)


# --- Hugging Face (JSON: every kind of bad value) ----------------------------------------


def test_nul_and_lone_surrogates_are_cleaned_and_everything_else_is_stored_byte_exact() -> None:
    entries = copy.deepcopy(hf.ENTRIES)
    entries[0]["paper"]["title"] = "Null\x00 <b>bytes</b> & $\\alpha$"
    entries[1]["paper"]["summary"] = "A lone \ud800 surrogate, then 😀 intact."
    entries[2]["paper"]["ai_keywords"] = ["nul\x00keyword", "ok"]
    entries[3]["paper"]["ai_summary"] = "<script>alert(1)</script>\x00"
    entries[4]["organization"] = {"name": "Org\x00", "fullname": "Full\x00name"}

    run = harvest_hf_two_pages(entries)

    assert (run.status, run.pages, run.new, run.quarantined) == ("succeeded", 2, 30, 0)
    ids = hf.IDS_IN_ORDER
    assert Paper.objects.get(arxiv_id=ids[0]).title == "Null <b>bytes</b> & $\\alpha$"
    assert Paper.objects.get(arxiv_id=ids[1]).abstract == "A lone \ufffd surrogate, then 😀 intact."
    assert hf.signal(ids[2]).ai_keywords == ["nulkeyword", "ok"]
    assert hf.signal(ids[3]).ai_summary == "<script>alert(1)</script>"
    assert hf.signal(ids[4]).organization == "Org"
    assert hf.signal(ids[4]).extra["organization_fullname"] == "Fullname"
    assert quarantine().count() == 0


def test_a_number_beyond_its_column_quarantines_only_its_record_and_later_pages_are_fetched() -> (
    None
):
    entries = copy.deepcopy(hf.ENTRIES)
    entries[2]["paper"]["upvotes"] = HUGE
    entries[25]["paper"]["githubStars"] = -HUGE  # on the second page
    ids = hf.IDS_IN_ORDER

    run = harvest_hf_two_pages(entries)

    assert (run.status, run.pages, run.new, run.quarantined) == ("succeeded", 2, 28, 2)
    assert run.cursor == {"page": 2}
    stored = set(TrendingSignal.objects.values_list("paper__arxiv_id", flat=True))
    assert stored == set(ids) - {ids[2], ids[25]}
    assert hf.signal(ids[3]).rank == 4  # ranks keep their places around the set-aside one
    upvotes = quarantined(ids[2])
    assert (upvotes.source, upvotes.kind, upvotes.run_id) == ("hf", "trending", run.pk)
    assert (
        upvotes.reason
        == f"upvotes {HUGE} is outside its column's range (-2147483648 to 2147483647)"
    )
    assert json.loads(upvotes.payload)["upvotes"] == HUGE
    assert json.loads(upvotes.payload)["paper"]["title"] == entries[2]["paper"]["title"]
    assert "github_stars -1099511627776" in quarantined(ids[25]).reason


def test_harvesting_the_bad_day_again_succeeds_and_counts_a_second_sighting() -> None:
    entries = copy.deepcopy(hf.ENTRIES)
    entries[2]["paper"]["upvotes"] = HUGE
    harvest_hf_two_pages(entries)
    again = harvest_hf_two_pages(entries)  # a new run: the first one finished

    assert (again.status, again.new, again.unchanged, again.quarantined) == ("succeeded", 0, 29, 1)
    assert quarantine().get().sightings == 2
    assert quarantine().get().run_id == again.pk


def test_a_value_the_database_itself_refuses_is_quarantined_alone() -> None:
    entries = copy.deepcopy(hf.ENTRIES)
    entries[7]["paper"]["authors"] = [{"name": "A" * 600}]  # authors are varchar(500)
    ids = hf.IDS_IN_ORDER

    run = harvest_hf_two_pages(entries)

    assert (run.status, run.new, run.quarantined) == ("succeeded", 29, 1)
    assert not Paper.objects.filter(arxiv_id=ids[7]).exists()
    refused = quarantined(ids[7])
    assert refused.kind == "trending"
    assert "value too long for type character varying(500)" in refused.reason
    assert Paper.objects.filter(arxiv_id__in=ids).count() == 29


# --- arXiv export API (Atom) ---------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_an_arxiv_api_entry_with_an_impossible_version_is_quarantined(
    api: responses.RequestsMock,
) -> None:
    first = arxiv_api.recorded(arxiv_api.PAGE_0, total_results=30)
    first = first.replace(b"2405.13786v1</id>", b"2405.13786v99999</id>")
    arxiv_api.serve(api, start=0, body=first)
    arxiv_api.serve(api, start=10, body=arxiv_api.recorded(arxiv_api.PAGE_10, total_results=30))
    arxiv_api.serve(api, start=20, body=arxiv_api.recorded(arxiv_api.PAGE_20, total_results=30))

    run = arxiv_api.harvest(arxiv_http_client(sleep=lambda _: None))

    assert (run.status, run.pages, run.new, run.quarantined) == ("succeeded", 3, 29, 1)
    assert run.cursor == {"start": 30}
    refused = quarantined("2405.13786")
    assert (refused.source, refused.kind) == ("arxiv", "paper")
    assert refused.reason == "version 99999 is outside its column's range (0 to 32767)"


# --- arXiv RSS listings --------------------------------------------------------------------


def test_an_rss_item_with_a_category_too_long_to_store_is_quarantined_its_listing_kept() -> None:
    feed = rss.FEEDS["cs.AI"].replace(
        b"<category>cs.LG</category>", b"<category>" + b"x" * 60 + b"</category>", 1
    )
    with responses.RequestsMock() as rsps:
        rss.serve(rsps, "cs.AI", feed)
        run = rss.harvest("cs.AI")

    assert (run.status, run.new, run.quarantined) == ("succeeded", 2, 1)
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == rss.AI_IDS[1:]
    assert "character varying(40)" in quarantined(rss.AI_IDS[0]).reason
    day = AnnouncementDay.objects.get(day=rss.DAY, category="cs.AI")
    assert (day.announced, day.stored) == (3, 2)  # announced, so reconciliation fetches it


# --- OAI-PMH (arXivRaw) --------------------------------------------------------------------


def test_an_oai_record_the_database_refuses_is_quarantined_and_the_next_page_fetched(
    settings: Any,
) -> None:
    settings.ARXIV_OAI_URL = oai.ENDPOINT
    page_one = oai.recorded("ListRecordsResponse.xml").replace(
        b"<authors>Gavril Farkas</authors>", b"<authors>" + b"G" * 700 + b"</authors>"
    )
    with responses.RequestsMock() as mock:
        oai.serve(mock, oai.PAGE_ONE, page_one)
        oai.serve(mock, oai.PAGE_TWO, oai.final_page())
        run = oai.harvest(oai.WINDOW, sleeps=[])

    assert (run.status, run.pages, run.new, run.quarantined) == ("succeeded", 2, 7, 1)
    assert oai.stored_ids() == sorted(set(oai.PAGE_ONE_IDS + oai.PAGE_TWO_IDS) - {"0704.0874"})
    assert (quarantined("0704.0874").source, quarantined("0704.0874").kind) == ("oai", "paper")


# --- Where people see them ---------------------------------------------------------------


def test_the_admin_shows_a_quarantined_record_with_its_payload_and_reason() -> None:
    entries = copy.deepcopy(hf.ENTRIES)
    entries[2]["paper"]["upvotes"] = HUGE
    harvest_hf_two_pages(entries)
    User.objects.create_superuser("admin", "admin@example.org", "a-long-test-password")
    client = Client()
    client.login(username="admin", password="a-long-test-password")
    record = quarantine().get()

    listing = client.get("/admin/papers/quarantinedrecord/").content.decode()
    detail = client.get(f"/admin/papers/quarantinedrecord/{record.pk}/change/").content.decode()

    assert hf.IDS_IN_ORDER[2] in listing and "upvotes 1099511627776 is outside" in listing
    assert '"upvotes": 1099511627776' in html.unescape(detail.split("<pre", 1)[1])
    assert "Hugging Face daily papers" in detail
    runs = client.get("/admin/papers/harvestrun/").content.decode()
    assert "quarantined" in runs.lower()


def test_harvest_status_lists_quarantined_records(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    entries = copy.deepcopy(hf.ENTRIES)
    entries[2]["paper"]["upvotes"] = HUGE
    harvest_hf_two_pages(entries)
    call_command("harvest", "status")
    out = capsys.readouterr().out
    assert "Quarantined records" in out
    assert f"hf        trending  {hf.IDS_IN_ORDER[2]}" in out
    assert "upvotes 1099511627776 is outside" in out
