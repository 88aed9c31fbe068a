"""arXiv OAI-PMH harvest: recorded real arXiv responses replayed through sickle.

Fixtures and what is changed in memory: ``tests/fixtures/oai_pmh/README.md``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from lxml import etree
from responses import matchers

from papers.harvest.abs import split_authors
from papers.harvest.oai import (
    DEFAULT_ENDPOINT,
    OAI,
    OaiPmhSource,
    parse_list_records,
    parse_metadata,
)
from papers.harvest.records import VersionRecord
from papers.harvest.runs import Page, harvest_run_execute, harvest_run_start
from papers.models import HarvestRun, Paper, PaperVersion
from papers.services import UpsertCounts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "oai_pmh"
ENDPOINT = "http://export.arxiv.org/oai2"  # the host the recordings were made on
WINDOW = {"from": "2014-10-01", "metadataPrefix": "arXivRaw"}
TOKEN = "726959|1001"
PAGE_ONE = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}
PAGE_TWO = {"verb": "ListRecords", "resumptionToken": TOKEN}
PAGE_ONE_IDS = ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]
PAGE_TWO_IDS = ["1412.8544", "hep-th/9504118"]


def recorded(name: str) -> bytes:
    return (FIXTURES / "mikesaelim" / name).read_bytes()


def paperhive_interactions() -> list[dict[str, Any]]:
    path = FIXTURES / "paperhive" / "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"
    interactions: list[dict[str, Any]] = json.loads(path.read_text())
    return interactions


def final_page() -> bytes:
    """The recorded 200 ListRecords answer with no resumption token: a real last page."""
    return str(paperhive_interactions()[1]["response"]).encode()


def serve(
    mock: responses.RequestsMock,
    query: dict[str, str],
    body: bytes | Exception,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    mock.add(
        responses.GET,
        ENDPOINT,
        body=body,
        status=status,
        headers=headers,
        content_type="text/xml",
        match=[matchers.query_param_matcher(query)],
    )


def queries(mock: responses.RequestsMock) -> list[dict[str, str]]:
    return [dict(parse_qsl(urlsplit(call.request.url or "").query)) for call in mock.calls]


@pytest.fixture
def oai(settings: Any) -> Iterator[responses.RequestsMock]:
    settings.ARXIV_OAI_URL = ENDPOINT
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


def harvest(
    params: dict[str, Any],
    *,
    sleeps: list[float],
    max_retries: int = 2,
    min_interval_s: float = 0.0,
    pages_seen: list[dict[str, Any]] | None = None,
) -> HarvestRun:
    def on_page(run: HarvestRun, page: Page, counts: UpsertCounts) -> None:
        if pages_seen is not None:
            pages_seen.append(dict(run.cursor))

    source = OaiPmhSource(
        sleep=sleeps.append, max_retries=max_retries, min_interval_s=min_interval_s
    )
    run = harvest_run_start(source="oai", params=params)
    return harvest_run_execute(run=run, source=source, on_page=on_page)


def stored_ids() -> list[str]:
    return sorted(Paper.objects.values_list("arxiv_id", flat=True))


# --- parsing recorded responses ---------------------------------------------------------


def test_list_records_page_yields_six_arxiv_raw_records_and_the_resumption_token() -> None:
    page = parse_list_records(xml=recorded("ListRecordsResponse.xml"))
    assert [r.arxiv_id for r in page.records] == PAGE_ONE_IDS
    assert page.resumption_token == TOKEN
    assert page.last_datestamp == "2014-12-22"
    assert (page.deleted, page.failed) == ((), ())


def test_arxiv_raw_record_keeps_every_version_with_its_rfc822_date_and_size() -> None:
    records = {
        r.arxiv_id: r for r in parse_list_records(xml=recorded("ListRecordsResponse.xml")).records
    }
    limit = records["0704.0716"]
    assert limit.version == 4
    assert limit.versions == (
        VersionRecord(1, datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC), "43kb"),
        VersionRecord(2, datetime(2007, 9, 28, 15, 13, 43, tzinfo=UTC), "48kb"),
        VersionRecord(3, datetime(2008, 2, 29, 16, 5, 39, tzinfo=UTC), "48kb"),
        VersionRecord(4, datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC), "49kb"),
    )
    assert limit.submitted_at == datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)
    assert limit.updated_at == datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)
    assert (limit.primary_category, limit.categories) == ("math-ph", ("math-ph", "math.MP"))
    assert limit.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert limit.withdrawn is False
    assert [r.version for r in records.values()] == [1, 4, 3, 2, 1, 1]


def test_arxiv_raw_text_is_kept_exactly_as_the_source_wrote_it() -> None:
    records = {
        r.arxiv_id: r for r in parse_list_records(xml=recorded("ListRecordsResponse.xml")).records
    }
    symmetry, beryllium = records["0704.0471"], records["0704.1586"]
    assert symmetry.title == (
        "Density dependence of the symmetry energy and the nuclear equation of\n"
        "  state: A Dynamical and Statistical model perspective"
    )
    assert 'rules out an extremely " stiff " and " soft "\nform of the density' in symmetry.abstract
    assert symmetry.abstract.startswith("  The density dependence of the symmetry energy")
    assert symmetry.abstract.endswith("nuclear physics studies.\n")
    assert symmetry.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert symmetry.journal_ref == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    assert symmetry.license == ""  # this record has no <license>
    assert beryllium.title == (
        "Core excitation in the elastic scattering and breakup of $^{11}$Be on\n  protons"
    )
    assert records["0704.0716"].comments == (
        "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in\n  some proofs; "
        "v4 slightly expanded"
    )


def test_arxiv_raw_authors_are_split_into_ordered_names() -> None:
    records = {
        r.arxiv_id: r for r in parse_list_records(xml=recorded("ListRecordsResponse.xml")).records
    }
    assert records["0704.0471"].authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")
    assert records["0704.1109"].authors == ("Valeria M. Rosa", "Patricio S. letelier")
    assert records["0704.1586"].authors == ("N.C. Summers", "F.M. Nunes")


@pytest.mark.parametrize(
    ("authors", "names"),
    [
        (
            "Joshua Berger, Maxim Perelstein, Michael Saelim and Philip Tanedo",
            ("Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"),
        ),
        ("A. One (MIT, Cambridge), B. Two (Harvard and Yale)", ("A. One", "B. Two")),
        ("A. One (1), B. Two (2) ((1) MIT, (2) Harvard)", ("A. One", "B. Two")),
        ("John Smith, Jr., Jane Doe", ("John Smith Jr.", "Jane Doe")),
        ("G. Aad; B. Abbott & C. Abdallah, et al", ("G. Aad", "B. Abbott", "C. Abdallah")),
        ('Sezgin Ayg\\"un and P. Erd\\H{o}s', ("Sezgin Aygün", "P. Erdős")),
        ("D. Unbalanced (MIT, E. Name", ("D. Unbalanced (MIT", "E. Name")),
    ],
)
def test_free_text_author_lists_split_on_commas_and_and_outside_parentheses(
    authors: str, names: tuple[str, ...]
) -> None:
    assert split_authors(authors) == names


def test_get_record_response_parses_with_the_same_parser() -> None:
    root = etree.fromstring(recorded("GetRecordResponse.xml"))
    record = parse_metadata(element=root.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata"))
    assert (record.arxiv_id, record.version, record.source) == ("1302.2146", 2, "oai")
    assert record.authors == (
        "Joshua Berger",
        "Maxim Perelstein",
        "Michael Saelim",
        "Philip Tanedo",
    )
    assert record.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert [v.size for v in record.versions] == ["853kb", "849kb"]


def test_arxiv_format_records_have_structured_authors_and_a_single_version() -> None:
    page = parse_list_records(xml=final_page())
    kochen, planck = page.records
    assert (kochen.arxiv_id, planck.arxiv_id) == ("1412.8544", "hep-th/9504118")
    assert kochen.authors == ("Sander Uijlen", "Bas Westerbaan")
    assert planck.authors == ("M. Requardt",)
    assert kochen.versions == (VersionRecord(1, datetime(2014, 12, 29, tzinfo=UTC)),)
    assert (kochen.doi, kochen.primary_category) == ("10.4204/EPTCS.172.11", "cs.DM")
    assert "the &quot;strength&quot;" not in planck.abstract
    assert 'internal states of the cells and the "strength" of the bonds' in planck.abstract
    assert "'{\\it cellular\nnetwork}'" in planck.abstract
    assert (page.resumption_token, page.last_datestamp) == ("", "2015-01-03")


# --- harvest runs -----------------------------------------------------------------------


@pytest.mark.django_db
def test_harvest_stores_every_record_of_both_pages_with_all_versions(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    run = harvest(WINDOW, sleeps=sleeps)
    assert (run.status, run.error) == (HarvestRun.Status.SUCCEEDED, "")
    assert (run.pages, run.new, run.updated, run.unchanged, run.failed) == (2, 8, 0, 0, 0)
    assert stored_ids() == sorted(PAGE_ONE_IDS + PAGE_TWO_IDS)
    versions = dict(
        Paper.objects.filter(arxiv_id__in=PAGE_ONE_IDS).values_list("arxiv_id", "version")
    )
    assert versions == dict(zip(PAGE_ONE_IDS, [1, 4, 3, 2, 1, 1], strict=True))
    assert list(
        PaperVersion.objects.filter(paper__arxiv_id="0704.0716").values_list("version", "size")
    ) == [(1, "43kb"), (2, "48kb"), (3, "48kb"), (4, "49kb")]
    assert PaperVersion.objects.count() == 12 + 2
    assert run.cursor == {"resumptionToken": "", "last_datestamp": "2015-01-03"}
    assert queries(oai) == [PAGE_ONE, PAGE_TWO]
    assert sleeps == []


@pytest.mark.django_db
def test_harvested_text_is_stored_exactly_as_the_source_wrote_it(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    harvest(WINDOW, sleeps=sleeps)
    symmetry = Paper.objects.get(arxiv_id="0704.0471")
    assert symmetry.title == (
        "Density dependence of the symmetry energy and the nuclear equation of\n"
        "  state: A Dynamical and Statistical model perspective"
    )
    assert 'an extremely " stiff " and " soft "\nform' in symmetry.abstract
    assert [a.name for a in symmetry.authors.order_by("authorships__position")] == [
        "D.V. Shetty",
        "S.J. Yennello",
        "G.A. Souliotis",
    ]
    beryllium = Paper.objects.get(arxiv_id="0704.1586")
    assert beryllium.title == (
        "Core excitation in the elastic scattering and breakup of $^{11}$Be on\n  protons"
    )
    assert (beryllium.metadata_source, beryllium.withdrawn) == ("oai", False)


@pytest.mark.django_db
def test_cursor_after_page_one_holds_the_token_and_the_datestamp_high_water_mark(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    cursors: list[dict[str, Any]] = []
    harvest(WINDOW, sleeps=sleeps, pages_seen=cursors)
    assert cursors == [
        {"resumptionToken": TOKEN, "last_datestamp": "2014-12-22"},
        {"resumptionToken": "", "last_datestamp": "2015-01-03"},
    ]


@pytest.mark.django_db
def test_http_500_on_page_two_keeps_page_one_and_the_next_run_resumes_with_the_token(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, b"<html>Internal Server Error</html>", status=500)
    failed = harvest(WINDOW, sleeps=sleeps, max_retries=2)
    assert failed.status == HarvestRun.Status.FAILED
    assert "HTTP 500" in failed.error
    assert TOKEN in failed.error
    assert (failed.pages, failed.new) == (1, 6)
    assert failed.cursor == {"resumptionToken": TOKEN, "last_datestamp": "2014-12-22"}
    assert stored_ids() == sorted(PAGE_ONE_IDS)
    assert queries(oai) == [PAGE_ONE, PAGE_TWO, PAGE_TWO, PAGE_TWO]
    assert sleeps == [10.0, 20.0]  # backoff between the three tries

    oai.reset()
    serve(oai, PAGE_TWO, final_page())
    resumed = harvest(WINDOW, sleeps=sleeps)
    assert queries(oai) == [PAGE_TWO]  # straight to the stored token, page 1 not re-read
    assert resumed.pk != failed.pk
    assert (resumed.status, resumed.pages, resumed.new) == (HarvestRun.Status.SUCCEEDED, 1, 2)
    assert stored_ids() == sorted(PAGE_ONE_IDS + PAGE_TWO_IDS)


@pytest.mark.django_db
def test_malformed_xml_on_page_two_fails_the_run_and_keeps_page_one(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    body = final_page()
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, body[: len(body) // 2])  # the recorded page, cut in half
    run = harvest(WINDOW, sleeps=sleeps, max_retries=1)
    assert run.status == HarvestRun.Status.FAILED
    assert "malformed XML" in run.error
    assert (run.pages, run.new) == (1, 6)
    assert run.cursor["resumptionToken"] == TOKEN
    assert stored_ids() == sorted(PAGE_ONE_IDS)


@pytest.mark.django_db
def test_connection_errors_are_retried_then_fail_the_run(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, requests.ConnectionError("connection reset by peer"))
    run = harvest(WINDOW, sleeps=sleeps, max_retries=2)
    assert run.status == HarvestRun.Status.FAILED
    assert "ConnectionError: connection reset by peer" in run.error
    assert (run.pages, len(oai.calls), sleeps) == (0, 3, [10.0, 20.0])


@pytest.mark.django_db
def test_bad_resumption_token_restarts_the_listing_from_the_window_start(
    oai: responses.RequestsMock, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    HarvestRun.objects.create(
        source="oai",
        params=WINDOW,
        status=HarvestRun.Status.FAILED,
        cursor={"resumptionToken": "3", "last_datestamp": "2014-12-22"},
    )
    expired = {"verb": "ListRecords", "resumptionToken": "3"}
    serve(oai, expired, recorded("ErrorResponseBadResumptionToken.xml"))
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    with caplog.at_level(logging.WARNING, logger="papers.harvest.oai"):
        run = harvest(WINDOW, sleeps=sleeps)
    # Not from last_datestamp: arXiv lists by identifier, so unseen records can be older.
    assert queries(oai) == [expired, PAGE_ONE, PAGE_TWO]
    assert (run.status, run.pages, run.new) == (HarvestRun.Status.SUCCEEDED, 2, 8)
    assert "badResumptionToken" in caplog.text
    assert "restarting the listing from 2014-10-01" in caplog.text
    assert run.cursor == {"resumptionToken": "", "last_datestamp": "2015-01-03"}


@pytest.mark.django_db
def test_a_token_that_keeps_expiring_fails_the_run_after_three_restarts(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, recorded("ErrorResponseBadResumptionToken.xml"))
    run = harvest(WINDOW, sleeps=sleeps)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error == "OAI-PMH badResumptionToken: gave up after 3 restarts"
    assert queries(oai) == [PAGE_ONE, PAGE_TWO] * 4
    assert (run.pages, run.new, run.unchanged) == (4, 6, 18)


@pytest.mark.django_db
def test_recorded_503_retry_after_is_honoured_then_the_page_is_stored(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    busy, answer = paperhive_interactions()
    assert urlsplit(answer["path"]).path == urlsplit(ENDPOINT).path
    headers = dict(zip(busy["rawHeaders"][::2], busy["rawHeaders"][1::2], strict=True))
    query = {"verb": "ListRecords", "metadataPrefix": "arXiv"} | {
        "from": "2015-01-01",
        "until": "2015-01-03",
    }
    assert dict(parse_qsl(urlsplit(busy["path"]).query)) == query
    serve(
        oai,
        query,
        busy["response"].encode(),
        status=busy["status"],
        headers={"Retry-After": headers["Retry-After"]},
    )
    serve(oai, query, answer["response"].encode())
    run = harvest(
        {"from": "2015-01-01", "until": "2015-01-03", "metadataPrefix": "arXiv"}, sleeps=sleeps
    )
    assert sleeps == [10.0]  # the server's Retry-After, not our own backoff
    assert [call.response.status_code for call in oai.calls] == [503, 200]
    assert (run.status, run.pages, run.new) == (HarvestRun.Status.SUCCEEDED, 1, 2)
    kochen = Paper.objects.get(arxiv_id="1412.8544")
    assert [a.name for a in kochen.authors.order_by("authorships__position")] == [
        "Sander Uijlen",
        "Bas Westerbaan",
    ]
    assert kochen.title == "A Kochen-Specker system has at least 22 vectors (extended abstract)"


@pytest.mark.django_db
def test_no_records_match_is_an_empty_successful_harvest(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    query = {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "from": "2014-10-01",
        "set": "moo",
    }
    serve(oai, query, recorded("ErrorResponseNoRecordsMatch.xml"))
    run = harvest(WINDOW | {"set": "moo"}, sleeps=sleeps)
    assert (run.status, run.error) == (HarvestRun.Status.SUCCEEDED, "")
    assert (run.pages, run.new, run.updated, run.unchanged, run.failed) == (0, 0, 0, 0, 0)
    assert queries(oai) == [query]
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_bad_argument_fails_the_run_with_the_oai_code_and_message(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ErrorResponseBadArgument.xml"))
    run = harvest(WINDOW, sleeps=sleeps)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error == "OAI-PMH badArgument: Verb 'ListRecords', illegal argument 'identifier'."
    assert (run.pages, len(oai.calls)) == (0, 1)  # an OAI error is an answer: no retry


@pytest.mark.django_db
def test_harvesting_the_same_window_twice_adds_nothing(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    first = harvest(WINDOW, sleeps=sleeps)
    versions = PaperVersion.objects.count()
    second = harvest(WINDOW, sleeps=sleeps)
    assert first.pk != second.pk
    assert (second.status, second.new, second.updated, second.unchanged) == (
        HarvestRun.Status.SUCCEEDED,
        0,
        0,
        8,
    )
    assert (Paper.objects.count(), PaperVersion.objects.count()) == (8, versions)
    assert queries(oai) == [PAGE_ONE, PAGE_TWO, PAGE_ONE, PAGE_TWO]


@pytest.mark.django_db
def test_a_deleted_record_is_skipped_and_never_deletes_the_stored_paper(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    harvest(WINDOW, sleeps=sleeps)

    root = etree.fromstring(recorded("ListRecordsResponse.xml"))
    first = root.find(f"{OAI}ListRecords/{OAI}record")
    first.find(f"{OAI}header").set("status", "deleted")  # as OAI-PMH 2.0 §2.5.1 shows it
    first.remove(first.find(f"{OAI}metadata"))
    page = parse_list_records(xml=etree.tostring(root))
    assert page.deleted == ("oai:arXiv.org:0704.0471",)
    assert [r.arxiv_id for r in page.records] == PAGE_ONE_IDS[1:]

    oai.reset()
    window = WINDOW | {"until": "2015-01-06"}
    serve(oai, PAGE_ONE | {"until": "2015-01-06"}, etree.tostring(root))
    serve(oai, PAGE_TWO, final_page())
    run = harvest(window, sleeps=sleeps)
    assert (run.status, run.failed, run.unchanged) == (HarvestRun.Status.SUCCEEDED, 0, 7)
    assert Paper.objects.filter(arxiv_id="0704.0471").exists()
    assert Paper.objects.count() == 8


@pytest.mark.django_db
def test_requests_are_paced_at_least_three_seconds_apart(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    serve(oai, PAGE_ONE, recorded("ListRecordsResponse.xml"))
    serve(oai, PAGE_TWO, final_page())
    harvest(WINDOW, sleeps=sleeps, min_interval_s=3.0)
    assert len(sleeps) == 1  # before page 2 only; nothing before the first request
    assert 2.0 < sleeps[0] <= 3.0


@pytest.mark.django_db
def test_an_unsupported_metadata_prefix_fails_before_any_request(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    run = harvest({"from": "2014-10-01", "metadataPrefix": "oai_dc"}, sleeps=sleeps)
    assert run.status == HarvestRun.Status.FAILED
    assert "metadataPrefix 'oai_dc' is not supported" in run.error
    assert len(oai.calls) == 0


def test_the_endpoint_comes_from_settings_with_arxivs_oai_host_as_default(settings: Any) -> None:
    settings.ARXIV_OAI_URL = "https://mirror.example/oai"
    assert OaiPmhSource().endpoint == "https://mirror.example/oai"
    del settings.ARXIV_OAI_URL
    assert OaiPmhSource().endpoint == DEFAULT_ENDPOINT == "https://oaipmh.arxiv.org/oai"
    assert OaiPmhSource().name == "oai"


@pytest.mark.django_db
def test_a_run_cut_off_after_its_last_page_is_finished_without_re_reading(
    oai: responses.RequestsMock, sleeps: list[float]
) -> None:
    killed = HarvestRun.objects.create(
        source="oai", params=WINDOW, cursor={"resumptionToken": "", "last_datestamp": "2015-01-03"}
    )  # a worker died between committing the last page and marking the run finished
    run = harvest(WINDOW, sleeps=sleeps)
    assert (run.status, run.pages, len(oai.calls)) == (HarvestRun.Status.SUCCEEDED, 0, 0)
    killed.refresh_from_db()
    assert killed.status == HarvestRun.Status.FAILED
