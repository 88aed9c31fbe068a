"""The arXiv export API source, replayed from recorded real responses through the real client.

The recorded ``testing`` pages are served for the harvest's ``start=`` values (see
``tests/fixtures/arxiv_api/README.md``); everything between the socket and the database
(``HttpClient``, the ``arxiv`` package's entry builder, our parser, the run ledger and the
upsert) is the production code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from digest.lib.http import FetchError, HttpClient
from papers.harvest.arxiv_api import (
    ArxivApiSource,
    arxiv_http_client,
    fetch_records_by_ids,
    is_withdrawn,
    parse_feed,
)
from papers.harvest.records import HarvestError
from papers.harvest.runs import harvest_run_execute, harvest_run_start
from papers.models import HarvestRun, Paper, PaperVersion
from papers.services import papers_upsert

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv_api"
API = "https://export.arxiv.org/api/query"
PARAMS = {"categories": ["cs.SE", "cs.LG"], "from": "2026-04-06", "until": "2026-04-08"}
PAGE_0 = "q_testing_s0_m10_bc5a6c384fe9.json"
PAGE_10 = "q_testing_s10_m10_34e56e15aaac.json"
PAGE_20 = "q_testing_s20_m10_348a237fecab.json"
PAGE_5 = "q_testing_s5_m10_c0e94a259d4a.json"
FULL_PAGE = "q_testing_s0_m100_cfe7536492ca.json"
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"
ERROR_400 = "id_abc_s0_m100_b79c8dcf6bc3.json"


def recorded(name: str, *, total_results: int | None = None) -> bytes:
    """The recorded body's real bytes (stored latin-1 decoded); optionally a smaller total."""
    body = json.loads((FIXTURES / name).read_text())["body"].encode("latin-1")
    if total_results is not None:
        body = body.replace(
            b"<opensearch:totalResults>214881<",
            f"<opensearch:totalResults>{total_results}<".encode(),
        )
    return body


def recorded_url(name: str) -> str:
    return str(json.loads((FIXTURES / name).read_text())["url"])


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> HttpClient:
    return arxiv_http_client(sleep=sleeps.append)


def serve(api: responses.RequestsMock, *, start: int, body: bytes | Exception, status: int = 200):
    """Answer the next request for ``start=`` (responses serves same-match entries in order)."""
    api.get(
        API,
        body=body,
        status=status,
        content_type="application/atom+xml; charset=UTF-8",
        match=[matchers.query_param_matcher({"start": str(start)}, strict_match=False)],
    )


def serve_window(api: responses.RequestsMock, *, total: int = 30) -> None:
    serve(api, start=0, body=recorded(PAGE_0, total_results=total))
    serve(api, start=10, body=recorded(PAGE_10, total_results=total))
    serve(api, start=20, body=recorded(PAGE_20, total_results=total))


def query(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def requested_starts(api: responses.RequestsMock) -> list[int]:
    return [int(query(call)["start"]) for call in api.calls]


def author_names(arxiv_id: str) -> list[str]:
    paper = Paper.objects.get(arxiv_id=arxiv_id)
    return [a.name for a in paper.authors.order_by("authorships__position")]


def harvest(client: HttpClient, params: dict[str, Any] | None = None) -> HarvestRun:
    run = harvest_run_start(source="arxiv", params=params or PARAMS)
    return harvest_run_execute(run=run, source=ArxivApiSource(client=client, page_size=10))


# --- Parsing ---------------------------------------------------------------------------


def test_parsing_a_full_recorded_page_reads_every_entry_and_the_total() -> None:
    feed = parse_feed(recorded(FULL_PAGE))
    assert (feed.total_results, feed.start_index, feed.entries, feed.failed) == (214881, 0, 100, 0)
    assert len(feed.records) == 100
    assert sum(record.version > 1 for record in feed.records) == 36
    by_id = {record.arxiv_id: record for record in feed.records}
    fuzzing = by_id["2005.14124"]
    assert fuzzing.version == 2
    assert fuzzing.title == "Active Fuzzing for Testing and Securing Cyber-Physical Systems"
    assert fuzzing.authors == (
        "Yuqi Chen",
        "Bohan Xuan",
        "Christopher M. Poskitt",
        "Jun Sun",
        "Fan Zhang",
    )
    assert fuzzing.primary_category == "cs.SE"
    assert fuzzing.categories == ("cs.SE", "cs.CR", "cs.LG")
    assert fuzzing.submitted_at == datetime(2020, 5, 28, 16, 19, 50, tzinfo=UTC)
    assert fuzzing.updated_at == datetime(2020, 7, 16, 8, 15, 48, tzinfo=UTC)
    assert fuzzing.doi == "10.1145/3395363.3397376"
    assert fuzzing.journal_ref.startswith("In Proc. ACM SIGSOFT International Symposium")
    assert fuzzing.comments.startswith("Accepted by the ACM SIGSOFT")
    assert (fuzzing.source, fuzzing.license, fuzzing.withdrawn) == ("arxiv", "", False)
    assert by_id["2405.13786"].authors[0] == "Aurora Ramírez"
    assert by_id["gr-qc/0103067"].comments.startswith("in: ''Gyros, Clocks")


def test_parsing_keeps_latex_non_ascii_and_whitespace_exactly_as_sent() -> None:
    by_id = {r.arxiv_id: r for r in parse_feed(recorded(PAGE_20)).records}
    assert by_id["2306.03845"].title == "$ω$Test: WebView-Oriented Testing for Android Applications"
    assert "$\\{1, \\dots, n\\}$" in by_id["2106.13414"].abstract
    assert by_id["2106.13414"].authors[0] == "Clément L. Canonne"
    assert by_id["2602.15552"].authors == (
        "Giorgi Merabishvili",
        "Oliver Weißl",
        "Andrea Stocco",
    )
    [old_style] = parse_feed(recorded("id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json")).records
    assert old_style.abstract.startswith("  In this report a review")


def test_parsing_keeps_a_hard_wrapped_title_as_sent() -> None:
    # Edited in memory: older API responses wrapped long titles; today's recordings do not.
    body = recorded("id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json").replace(
        b"<title>Sparticle Reconstruction at LHC</title>",
        b"<title>Sparticle\n  Reconstruction at  LHC</title>",
    )
    [record] = parse_feed(body).records
    assert record.title == "Sparticle\n  Reconstruction at  LHC"


def test_parsing_reads_old_style_ids_without_their_version() -> None:
    feed = parse_feed(recorded("id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json"))
    [record] = feed.records
    assert (record.arxiv_id, record.version) == ("hep-ex/0406020", 1)
    assert record.title == "Sparticle Reconstruction at LHC"
    assert record.authors == ("Alessia Tricomi",)  # the affiliation is not a name
    assert record.categories == ("hep-ex",)


def test_parsing_the_400_error_entry_raises_a_harvest_error_with_arxivs_reason() -> None:
    with pytest.raises(HarvestError, match="arXiv API error: incorrect id format for abc"):
        parse_feed(recorded(ERROR_400))


def test_parsing_truncated_xml_raises_a_harvest_error() -> None:
    body = recorded(PAGE_10)
    with pytest.raises(HarvestError, match="malformed XML"):
        parse_feed(body[: len(body) // 2])


def test_parsing_an_html_error_page_raises_a_harvest_error() -> None:
    with pytest.raises(HarvestError, match="no Atom feed"):
        parse_feed(b"<html><body><h1>503 Service Unavailable</h1></body></html>")


def test_parsing_counts_an_entry_without_dates_as_failed_and_keeps_the_rest() -> None:
    # Edited in memory: the recordings have no such entry.
    body = recorded(PAGE_10).replace(b"<published>2024-03-25T17:42:32Z</published>", b"", 1)
    feed = parse_feed(body)
    assert (feed.entries, len(feed.records), feed.failed) == (10, 9, 1)
    assert "2403.16981" not in {r.arxiv_id for r in feed.records}


def test_parsing_marks_a_paper_withdrawn_when_its_comment_says_so() -> None:
    # Edited in memory: no recorded response holds a withdrawn paper.
    body = recorded("id_2104.12255v1_s0_m100_6ae69987ffe1.json").replace(
        b"<arxiv:primary_category",
        b"<arxiv:comment>This paper has been withdrawn by the author due to an error in "
        b"Lemma 2</arxiv:comment>\n    <arxiv:primary_category",
    )
    [record] = parse_feed(body).records
    assert record.withdrawn is True
    assert record.comments.startswith("This paper has been withdrawn")


def test_withdrawal_is_read_from_comment_or_abstract_but_not_from_ordinary_words() -> None:
    assert is_withdrawn(comments="Withdrawn: duplicate of 2401.00001", abstract="x")
    assert is_withdrawn(comments="", abstract="This paper has been withdrawn by arXiv.")
    assert is_withdrawn(comments="", abstract="  withdrawn")
    assert not is_withdrawn(comments="12 pages", abstract="Patients withdrew from the study.")
    assert not is_withdrawn(comments="", abstract="We model withdrawn capital in funds.")


# --- Harvesting through the run ledger --------------------------------------------------


@pytest.mark.django_db
def test_harvesting_a_window_stores_every_page_and_counts_new_papers(
    api: responses.RequestsMock, client: HttpClient, sleeps: list[float]
) -> None:
    serve_window(api)
    run = harvest(client)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.pages, run.new, run.updated, run.unchanged, run.failed) == (3, 30, 0, 0, 0)
    assert run.cursor == {"start": 30}
    assert run.error == ""
    assert Paper.objects.count() == 30
    assert requested_starts(api) == [0, 10, 20]
    first = query(api.calls[0])
    assert first["search_query"] == (
        "(cat:cs.SE OR cat:cs.LG) AND submittedDate:[202604060000 TO 202604082359]"
    )
    assert (first["sortBy"], first["sortOrder"], first["max_results"]) == (
        "submittedDate",
        "ascending",
        "10",
    )
    # One request every three seconds: each request after the first waited out the rest
    # of the interval (3 s less the time the page took to store).
    assert len(sleeps) == 2
    assert all(0.5 < wait <= 3.0 for wait in sleeps)


@pytest.mark.django_db
def test_harvesting_the_same_window_twice_adds_nothing(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve_window(api)
    first = harvest(client)
    versions = PaperVersion.objects.count()
    second = harvest(client)
    assert (first.new, first.unchanged) == (30, 0)
    assert second.status == HarvestRun.Status.SUCCEEDED
    assert (second.pages, second.new, second.updated, second.unchanged) == (3, 0, 0, 30)
    assert Paper.objects.count() == 30
    assert PaperVersion.objects.count() == versions
    assert requested_starts(api) == [0, 10, 20, 0, 10, 20]


@pytest.mark.django_db
def test_a_newer_version_updates_the_paper_and_keeps_the_old_versions_row(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    [recorded_v2] = [r for r in parse_feed(recorded(PAGE_10)).records if r.arxiv_id == "2403.16981"]
    assert recorded_v2.version == 2
    v1 = replace(
        recorded_v2,
        version=1,
        title="The Sample Complexity of Binary Hypothesis Testing",
        updated_at=recorded_v2.submitted_at,
    )
    papers_upsert(records=[v1])
    v1_row = PaperVersion.objects.get(paper__arxiv_id="2403.16981", version=1)

    serve_window(api)
    run = harvest(client)

    assert (run.new, run.updated, run.unchanged) == (29, 1, 0)
    paper = Paper.objects.get(arxiv_id="2403.16981")
    assert (paper.version, paper.title) == (2, recorded_v2.title)
    assert paper.updated_at == datetime(2025, 5, 24, 5, 50, 33, tzinfo=UTC)
    versions = {v.version: v for v in paper.versions.all()}
    assert sorted(versions) == [1, 2]
    assert (versions[1].pk, versions[1].first_seen) == (v1_row.pk, v1_row.first_seen)
    assert versions[1].submitted_at == recorded_v2.submitted_at


@pytest.mark.django_db
def test_a_paper_repeated_by_overlapping_page_windows_is_stored_once(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    # The result set shifted by five between requests: page 2 repeats page 1's last five.
    serve(api, start=0, body=recorded(PAGE_0, total_results=20))
    serve(api, start=10, body=recorded(PAGE_5, total_results=20))
    run = harvest(client)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.pages, run.new, run.updated, run.unchanged) == (2, 15, 0, 0)
    assert Paper.objects.count() == 15
    assert requested_starts(api) == [0, 10]


@pytest.mark.django_db
def test_latex_and_non_ascii_are_stored_exactly(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve_window(api)
    harvest(client)
    omega = Paper.objects.get(arxiv_id="2306.03845")
    assert omega.title == "$ω$Test: WebView-Oriented Testing for Android Applications"
    assert omega.title_text.startswith("ωTest: WebView-Oriented")
    sample = Paper.objects.get(arxiv_id="2403.16981")
    assert "all $0 \\le α, β\\le 1/8$ in the prior-free setting" in sample.abstract
    assert author_names("2405.13786") == [
        "Aurora Ramírez",
        "Mario Berrios",
        "José Raúl Romero",
        "Robert Feldt",
    ]
    assert author_names("2602.15552") == ["Giorgi Merabishvili", "Oliver Weißl", "Andrea Stocco"]


@pytest.mark.django_db
def test_http_errors_and_timeouts_are_retried_with_backoff_until_the_page_arrives(
    api: responses.RequestsMock, client: HttpClient, sleeps: list[float]
) -> None:
    serve(api, start=0, body=recorded(PAGE_0, total_results=30))
    serve(api, start=10, body=b"Service Unavailable", status=503)
    serve(api, start=10, body=requests.ReadTimeout("read timed out"))
    serve(api, start=10, body=b"Internal Server Error", status=500)
    serve(api, start=10, body=recorded(PAGE_10, total_results=30))
    serve(api, start=20, body=recorded(PAGE_20, total_results=30))
    run = harvest(client)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.pages, run.new) == (3, 30)
    assert requested_starts(api) == [0, 10, 10, 10, 10, 20]
    # Each retry backs off 3 s x 2^n (+-20% jitter), then still keeps the 3 s pacing.
    assert len(sleeps) == 8
    backoffs = sleeps[1:7:2]
    assert 2.4 <= backoffs[0] <= 3.6
    assert 4.8 <= backoffs[1] <= 7.2
    assert 9.6 <= backoffs[2] <= 14.4


@pytest.mark.django_db
def test_a_page_that_keeps_failing_fails_the_run_keeps_earlier_pages_and_resumes_there(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve(api, start=0, body=recorded(PAGE_0, total_results=30))
    serve(api, start=10, body=b"Internal Server Error", status=500)
    failed = harvest(client)

    assert failed.status == HarvestRun.Status.FAILED
    assert "failed after 5 attempts: HTTP 500" in failed.error
    assert "start=10" in failed.error
    assert (failed.pages, failed.new, failed.cursor) == (1, 10, {"start": 10})
    assert Paper.objects.count() == 10
    assert requested_starts(api) == [0, 10, 10, 10, 10, 10]

    api.reset()
    serve(api, start=10, body=recorded(PAGE_10, total_results=30))
    serve(api, start=20, body=recorded(PAGE_20, total_results=30))
    resumed = harvest(client)

    assert resumed.pk != failed.pk
    assert resumed.status == HarvestRun.Status.SUCCEEDED
    assert (resumed.pages, resumed.new, resumed.unchanged, resumed.cursor) == (
        2,
        20,
        0,
        {"start": 30},
    )
    assert requested_starts(api) == [10, 20]
    assert Paper.objects.count() == 30


@pytest.mark.django_db
def test_an_empty_page_before_the_end_is_asked_again(
    api: responses.RequestsMock, client: HttpClient, sleeps: list[float]
) -> None:
    serve(api, start=0, body=recorded(PAGE_0, total_results=30))
    serve(api, start=10, body=recorded(EMPTY))  # arXiv's glitch: no entries, totalResults 0
    serve(api, start=10, body=recorded(PAGE_10, total_results=30))
    serve(api, start=20, body=recorded(PAGE_20, total_results=30))
    run = harvest(client)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.pages, run.new) == (3, 30)
    assert requested_starts(api) == [0, 10, 10, 20]
    assert 3.0 in sleeps  # the glitch backoff: backoff_base_s x 2^0


@pytest.mark.django_db
def test_an_empty_page_that_stays_empty_fails_the_run_after_a_few_tries(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve(api, start=0, body=recorded(PAGE_0, total_results=30))
    serve(api, start=10, body=recorded(EMPTY))
    run = harvest(client)
    assert run.status == HarvestRun.Status.FAILED
    assert "empty page at start=10 although totalResults=30, 4 times" in run.error
    assert (run.pages, run.new, run.cursor) == (1, 10, {"start": 10})
    assert requested_starts(api) == [0, 10, 10, 10, 10]


@pytest.mark.django_db
def test_malformed_xml_fails_the_run_with_a_clear_error_and_keeps_earlier_pages(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    page_10 = recorded(PAGE_10, total_results=30)
    serve(api, start=0, body=recorded(PAGE_0, total_results=30))
    serve(api, start=10, body=page_10[: len(page_10) // 2])
    run = harvest(client)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error.startswith("arXiv API returned malformed XML")
    assert (run.pages, run.new, run.cursor) == (1, 10, {"start": 10})
    assert Paper.objects.count() == 10


@pytest.mark.django_db
def test_a_query_arxiv_rejects_fails_the_run_without_retrying(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve(api, start=0, body=recorded(ERROR_400), status=400)
    run = harvest(client)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error.startswith(
        "arXiv API rejected the request (HTTP 400: incorrect id format for abc)"
    )
    assert (run.pages, run.new) == (0, 0)
    assert len(api.calls) == 1


@pytest.mark.django_db
def test_an_empty_window_succeeds_with_nothing_stored(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    serve(api, start=0, body=recorded(EMPTY))
    run = harvest(client)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.pages, run.new, run.cursor) == (0, 0, {})
    assert len(api.calls) == 1


@pytest.mark.django_db
def test_a_window_without_dates_fails_the_run_with_a_clear_error(client: HttpClient) -> None:
    run = harvest(client, params={"categories": ["cs.LG"], "from": "last week"})
    assert run.status == HarvestRun.Status.FAILED
    assert run.error == "arXiv API harvest needs params['from'] as YYYY-MM-DD, not 'last week'"


@pytest.mark.django_db
def test_categories_come_from_the_setting_unless_the_run_names_them(
    api: responses.RequestsMock, client: HttpClient, settings: Any
) -> None:
    serve(api, start=0, body=recorded(EMPTY))
    window = {"from": "2026-04-06", "until": "2026-04-06"}
    settings.ARXIV_CATEGORIES = ["cs.IR"]
    harvest(client, params=window)
    settings.ARXIV_CATEGORIES = ["cs.AI", "cs.CL", "cs.LG", "cs.CV", "stat.ML"]
    harvest(client, params={**window, "until": "2026-04-07"})
    searches = [query(call)["search_query"] for call in api.calls]
    assert searches[0] == "(cat:cs.IR) AND submittedDate:[202604060000 TO 202604062359]"
    default = "cat:cs.AI OR cat:cs.CL OR cat:cs.LG OR cat:cs.CV OR cat:stat.ML"
    assert searches[1] == f"({default}) AND submittedDate:[202604060000 TO 202604072359]"


# --- Lookups by id ----------------------------------------------------------------------


def test_looking_up_ids_leaves_out_the_ids_arxiv_does_not_know(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    name = "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json"
    api.get(recorded_url(name), body=recorded(name))  # the recorded URL, matched exactly
    records = fetch_records_by_ids(["0808.05394", "1707.08567"], client=client)
    assert [(r.arxiv_id, r.version) for r in records] == [("1707.08567", 1)]
    assert records[0].authors[-2] == "Dirk Wübben"
    assert len(records[0].authors) == 34


def test_looking_up_an_old_style_versioned_id_sends_it_as_given(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    name = "id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json"
    api.get(recorded_url(name), body=recorded(name))
    records = fetch_records_by_ids(["hep-ex/0406020v1"], client=client)
    assert [(r.arxiv_id, r.version) for r in records] == [("hep-ex/0406020", 1)]


def test_looking_up_skips_strings_that_are_no_arxiv_id_instead_of_sending_them(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    name = "id_2104.12255v1_s0_m100_6ae69987ffe1.json"
    api.get(recorded_url(name), body=recorded(name))
    records = fetch_records_by_ids(["abc", " 2104.12255v1 ", "2104.12255v1"], client=client)
    assert [(r.arxiv_id, r.version, r.title) for r in records] == [("2104.12255", 1, "0")]
    assert "$35,000 in total" in records[0].abstract
    assert len(api.calls) == 1


def test_looking_up_many_ids_asks_in_chunks_of_one_hundred_paced_three_seconds_apart(
    api: responses.RequestsMock, client: HttpClient, sleeps: list[float]
) -> None:
    api.get(API, body=recorded(EMPTY))
    ids = [f"2604.{n:05d}" for n in range(250)]
    assert fetch_records_by_ids(ids, client=client) == []
    chunks = [query(call)["id_list"].split(",") for call in api.calls]
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]
    assert [id for chunk in chunks for id in chunk] == ids
    assert len(sleeps) == 2
    assert all(2.9 < wait <= 3.0 for wait in sleeps)


def test_looking_up_nothing_sends_no_request(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    assert fetch_records_by_ids([], client=client) == []
    assert len(api.calls) == 0


def test_a_lookup_failing_for_good_raises_after_retries(
    api: responses.RequestsMock, client: HttpClient
) -> None:
    api.get(API, body=b"Bad Gateway", status=502)
    with pytest.raises(FetchError, match="failed after 5 attempts: HTTP 502"):
        fetch_records_by_ids(["1707.08567"], client=client)
    assert len(api.calls) == 5
