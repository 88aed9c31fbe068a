"""Hugging Face daily papers, replayed from a recorded real response through the real client."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from digest.lib.http import HttpClient
from papers.harvest.hf import HF_API_URL, HuggingFaceSource, daily_papers_parse
from papers.harvest.records import ArxivRecord
from papers.harvest.runs import harvest_run_execute, harvest_run_start
from papers.models import HarvestRun, Paper, TrendingSignal
from papers.services import papers_upsert

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent.parent / "fixtures" / "hf_daily_papers"
BODY = (FIXTURE / "hf_daily_papers_2026-06-12.json").read_bytes()
ENTRIES: list[dict[str, Any]] = json.loads(BODY)
DAY = date(2026, 6, 12)
PARAMS = {"date": "2026-06-12"}
IDS_IN_ORDER = [entry["paper"]["id"] for entry in ENTRIES]
RATELIMIT = '"api";r=0;t=55'


def serve(
    rsps: responses.RequestsMock,
    body: bytes,
    *,
    page: int = 0,
    limit: int = 100,
    status: int = 200,
    headers: dict[str, str] | None = None,
    period: dict[str, str] | None = None,
) -> None:
    query = {**(period or PARAMS), "limit": str(limit), "p": str(page)}
    rsps.get(
        HF_API_URL,
        body=body,
        status=status,
        headers=headers,
        content_type="application/json",
        match=[matchers.query_param_matcher(query)],
    )


def entries_bytes(entries: list[dict[str, Any]]) -> bytes:
    """Recorded entries re-served as a page, compact as the API serves them."""
    return json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode()


def harvest(
    *, sleeps: list[float] | None = None, limit: int = 100, params: dict[str, str] | None = None
) -> HarvestRun:
    client = HttpClient(sleep=(sleeps if sleeps is not None else []).append)
    run = harvest_run_start(source="hf", params=params or PARAMS)
    return harvest_run_execute(run=run, source=HuggingFaceSource(client=client, limit=limit))


def signal(arxiv_id: str, day: date = DAY) -> TrendingSignal:
    return TrendingSignal.objects.get(source="hf", day=day, paper__arxiv_id=arxiv_id)


def ranks() -> list[tuple[int, str]]:
    return list(
        TrendingSignal.objects.filter(day=DAY)
        .order_by("rank")
        .values_list("rank", "paper__arxiv_id")
    )


def test_a_recorded_day_becomes_thirty_signals_ranked_in_list_order() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        run = harvest()

    assert (run.status, run.pages, run.new, run.updated, run.failed) == ("succeeded", 1, 30, 0, 0)
    assert ranks() == list(enumerate(IDS_IN_ORDER, start=1))
    minimax = signal("2606.13392")
    assert (minimax.rank, minimax.upvotes, minimax.comments) == (22, 103, 4)
    assert minimax.submitted_by == "ryanlee-dev"
    assert minimax.organization == "MiniMaxAI"
    assert minimax.github_repo == "https://github.com/MiniMax-AI/MSA"
    assert minimax.github_stars == 251
    assert minimax.ai_keywords[:2] == ["sparse attention", "Grouped Query Attention"]
    assert minimax.ai_summary.startswith("MiniMax Sparse Attention enables efficient processing")
    assert minimax.extra["discussion_id"] == "6a2b99244957fcdd3aac076d"
    assert minimax.extra["organization_fullname"] == "MiniMax"
    assert signal("2606.13681").upvotes == 118  # the day's most upvoted, read from entry.paper
    assert signal("2606.00467").upvotes == 0
    assert signal("2606.00467").github_stars is None


def test_papers_known_only_from_hugging_face_are_created_as_incomplete_stubs() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        harvest()

    assert Paper.objects.filter(arxiv_id__in=IDS_IN_ORDER, is_complete=False).count() == 30
    stub = Paper.objects.get(arxiv_id="2606.13392")
    assert (stub.title, stub.version, stub.metadata_source) == ("MiniMax Sparse Attention", 1, "hf")
    assert stub.submitted_at == datetime(2026, 6, 11, tzinfo=UTC)
    tongyi = Paper.objects.get(arxiv_id="2606.12575")
    names = list(tongyi.authorships.values_list("author__name", flat=True))
    assert names == [a["name"] for a in ENTRIES[20]["paper"]["authors"]]
    assert "Dengyang Jiang" in names  # listed with hidden: true, still an author


def test_a_complete_arxiv_record_is_not_overwritten_by_the_stub() -> None:
    complete = ArxivRecord(
        arxiv_id="2606.13392",
        version=2,
        title="MiniMax Sparse Attention (as arXiv states it)",
        abstract="The arXiv abstract.",
        authors=("A. Author",),
        primary_category="cs.CL",
        categories=("cs.CL",),
        source="arxiv",
    )
    papers_upsert(records=[complete])
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        harvest()

    paper = Paper.objects.get(arxiv_id="2606.13392")
    assert (paper.title, paper.version, paper.is_complete) == (complete.title, 2, True)
    assert paper.metadata_source == "arxiv"
    assert signal("2606.13392").paper_id == paper.pk


def test_harvesting_the_same_day_twice_adds_nothing() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        harvest()
        second = harvest()

    assert (second.status, second.new, second.updated, second.unchanged) == ("succeeded", 0, 0, 30)
    assert TrendingSignal.objects.count() == 30
    assert Paper.objects.count() == 30


def test_a_later_fetch_with_more_upvotes_updates_the_signal_in_place() -> None:
    later = copy.deepcopy(ENTRIES)
    later[27]["paper"]["upvotes"] = 150  # 2606.13681, recorded with 118
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        harvest()
        serve(rsps, entries_bytes(later))  # responses serves the later body from now on
        second = harvest()

    assert (second.new, second.updated, second.unchanged) == (0, 1, 29)
    assert TrendingSignal.objects.filter(paper__arxiv_id="2606.13681").count() == 1
    assert signal("2606.13681").upvotes == 150


def test_each_day_keeps_its_own_signal_so_ranks_have_a_history() -> None:
    next_day = {"date": "2026-06-13"}
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY)
        harvest()
        serve(rsps, entries_bytes(ENTRIES[::-1]), period=next_day)
        harvest(params=next_day)

    history = TrendingSignal.objects.filter(paper__arxiv_id="2606.13681").order_by("day")
    assert [(s.day, s.rank) for s in history] == [(DAY, 28), (date(2026, 6, 13), 3)]
    assert TrendingSignal.objects.count() == 60


def test_a_429_with_a_ratelimit_header_is_waited_out_then_succeeds() -> None:
    sleeps: list[float] = []
    with responses.RequestsMock() as rsps:
        serve(rsps, b'{"error":"rate limited"}', status=429, headers={"RateLimit": RATELIMIT})
        serve(rsps, BODY)
        run = harvest(sleeps=sleeps)

    assert sleeps == [55.0]
    assert (run.status, run.new) == ("succeeded", 30)


def test_a_server_failing_every_attempt_fails_the_run_keeping_earlier_pages() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, entries_bytes(ENTRIES[:20]), limit=20)
        serve(rsps, b"Internal Server Error", page=1, limit=20, status=500)
        failed = harvest(limit=20)

    assert (failed.status, failed.pages, failed.new) == ("failed", 1, 20)
    assert failed.cursor == {"page": 1}
    assert "HTTP 500" in failed.error
    assert ranks() == list(enumerate(IDS_IN_ORDER[:20], start=1))


def test_a_failed_run_resumes_from_its_cursor_without_refetching_earlier_pages() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, entries_bytes(ENTRIES[:20]), limit=20)
        serve(rsps, b"Internal Server Error", page=1, limit=20, status=500)
        harvest(limit=20)
    with responses.RequestsMock() as rsps:
        serve(rsps, entries_bytes(ENTRIES[20:]), page=1, limit=20)
        resumed = harvest(limit=20)
        assert [call.request.params["p"] for call in rsps.calls] == ["1"]

    assert (resumed.status, resumed.pages, resumed.new) == ("succeeded", 1, 10)
    assert ranks() == list(enumerate(IDS_IN_ORDER, start=1))


def test_paging_across_two_pages_keeps_ranks_continuous() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, entries_bytes(ENTRIES[:20]), limit=20)
        serve(rsps, entries_bytes(ENTRIES[20:]), page=1, limit=20)
        run = harvest(limit=20)

    assert (run.status, run.pages, run.new, run.cursor) == ("succeeded", 2, 30, {"page": 2})
    assert ranks() == list(enumerate(IDS_IN_ORDER, start=1))
    assert signal("2606.13392").upvotes == 103


def test_malformed_json_fails_the_run_with_a_clear_error() -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY[:5000])
        run = harvest()

    assert run.status == "failed"
    assert run.error.startswith("Hugging Face daily papers: malformed JSON")
    assert TrendingSignal.objects.count() == 0


def test_an_entry_without_a_valid_arxiv_id_is_skipped_counted_and_keeps_its_place() -> None:
    broken = copy.deepcopy(ENTRIES)
    broken[2]["paper"]["id"] = "not-an-arxiv-id"
    with responses.RequestsMock() as rsps:
        serve(rsps, entries_bytes(broken))
        run = harvest()

    assert (run.status, run.new, run.failed) == ("succeeded", 29, 1)
    assert signal(IDS_IN_ORDER[3]).rank == 4


def test_the_older_2024_response_shape_is_parsed() -> None:
    older = copy.deepcopy(ENTRIES[:2])
    for entry in older:
        for key in ("ai_summary", "ai_keywords", "ai_summary_model"):
            entry["paper"].pop(key)
        entry["submittedBy"].pop("_id")
        entry["mediaUrls"] = ["https://cdn-uploads.huggingface.co/example.png"]

    parsed = daily_papers_parse(entries_bytes(older), day=DAY)

    assert [(r.arxiv_id, r.rank, r.upvotes) for r in parsed.trending] == [
        ("2606.00467", 1, 0),
        ("2606.12730", 2, 5),
    ]
    first = parsed.trending[0]
    assert (first.ai_summary, first.ai_keywords, first.submitted_by) == ("", (), "RKocielnik")
    assert first.extra["media_urls"] == ["https://cdn-uploads.huggingface.co/example.png"]


def test_a_week_list_dates_each_signal_by_its_own_daily_list() -> None:
    week = {"week": "2026-W24"}
    with responses.RequestsMock() as rsps:
        serve(rsps, BODY, period=week)
        run = harvest(params=week)

    assert (run.status, run.new) == ("succeeded", 30)
    assert set(TrendingSignal.objects.values_list("day", flat=True)) == {DAY}
    assert ranks() == list(enumerate(IDS_IN_ORDER, start=1))
