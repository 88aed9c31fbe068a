from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from papers.models import Author, Paper, PaperVersion
from papers.services import papers_upsert
from tests.papers.factories import ArxivRecordFactory

pytestmark = pytest.mark.django_db


def test_upserting_new_records_counts_them_as_new_and_stores_everything() -> None:
    records = ArxivRecordFactory.build_batch(3)
    counts = papers_upsert(records=records)
    assert (counts.new, counts.updated, counts.unchanged) == (3, 0, 0)
    paper = Paper.objects.get(arxiv_id=records[0].arxiv_id)
    assert paper.title == records[0].title
    assert paper.title_text.startswith("A study of α-divergences")
    assert paper.abstract == records[0].abstract
    assert (
        paper.abstract_text
        == "We show that O(n²) attention is <b>not</b> needed & compute 50% less."
    )
    assert paper.categories == ["cs.LG", "cs.AI"]
    assert [a.name for a in paper.authors.order_by("authorships__position")] == [
        "Ada Lovelace",
        "José Ramírez",
    ]


def test_upserting_the_same_records_twice_adds_nothing() -> None:
    records = ArxivRecordFactory.build_batch(5)
    papers_upsert(records=records)
    counts = papers_upsert(records=records)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 5)
    assert Paper.objects.count() == 5
    assert Author.objects.count() == 2
    assert PaperVersion.objects.count() == 5


def test_a_new_version_updates_the_paper_and_keeps_the_old_version() -> None:
    v1 = ArxivRecordFactory.build()
    papers_upsert(records=[v1])
    v2 = replace(v1, version=2, title="Revised title", updated_at=datetime(2026, 6, 9, tzinfo=UTC))
    counts = papers_upsert(records=[v2])
    assert (counts.new, counts.updated) == (0, 1)
    paper = Paper.objects.get(arxiv_id=v1.arxiv_id)
    assert (paper.version, paper.title) == (2, "Revised title")
    assert list(paper.versions.values_list("version", "submitted_at")) == [
        (1, v1.submitted_at),
        (2, datetime(2026, 6, 9, tzinfo=UTC)),
    ]


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    v1 = ArxivRecordFactory.build()
    v3 = replace(v1, version=3, title="Third version")
    papers_upsert(records=[v3])
    counts = papers_upsert(records=[v1])
    assert counts.unchanged == 1
    assert Paper.objects.get(arxiv_id=v1.arxiv_id).title == "Third version"


def test_a_stub_from_a_trending_source_never_overwrites_a_complete_record() -> None:
    full = ArxivRecordFactory.build()
    papers_upsert(records=[full])
    stub = replace(full, abstract="short", complete=False, comments="", source="hf")
    assert papers_upsert(records=[stub]).unchanged == 1
    assert Paper.objects.get(arxiv_id=full.arxiv_id).abstract == full.abstract


def test_a_stub_is_completed_when_arxiv_describes_the_paper() -> None:
    stub = ArxivRecordFactory.build(complete=False, abstract="", source="hf")
    papers_upsert(records=[stub])
    full = replace(stub, abstract="The real abstract.", complete=True, source="arxiv")
    assert papers_upsert(records=[full]).updated == 1
    paper = Paper.objects.get(arxiv_id=stub.arxiv_id)
    assert (paper.is_complete, paper.abstract) == (True, "The real abstract.")


def test_a_withdrawn_paper_is_flagged_not_deleted() -> None:
    record = ArxivRecordFactory.build()
    papers_upsert(records=[record])
    withdrawn = replace(
        record, version=2, withdrawn=True, abstract="This paper has been withdrawn."
    )
    papers_upsert(records=[withdrawn])
    paper = Paper.objects.get(arxiv_id=record.arxiv_id)
    assert paper.withdrawn is True
    assert paper.versions.count() == 2


def test_duplicates_inside_one_batch_keep_the_newest_version() -> None:
    v1 = ArxivRecordFactory.build()
    v2 = replace(v1, version=2, title="Newer")
    counts = papers_upsert(records=[v2, v1, v1])
    assert counts.new == 1
    assert Paper.objects.get(arxiv_id=v1.arxiv_id).title == "Newer"


def test_author_names_written_two_ways_are_one_author() -> None:
    a = ArxivRecordFactory.build(authors=("Jane  Doe",))
    b = ArxivRecordFactory.build(authors=("jane doe",))
    papers_upsert(records=[a, b])
    assert Author.objects.count() == 1


def test_unicode_html_and_latex_are_stored_exactly() -> None:
    title = "Über <script>alert(1)</script> $\\mathcal{L}_{\\text{CE}}$ — 日本語 😀"
    record = ArxivRecordFactory.build(title=title, abstract="50% of $x$ & <i>y</i>")
    papers_upsert(records=[record])
    paper = Paper.objects.get(arxiv_id=record.arxiv_id)
    assert paper.title == title
    assert paper.abstract == "50% of $x$ & <i>y</i>"
    assert "ℒ_CE" in paper.title_text


def test_batches_are_streamed_in_chunks() -> None:
    records = (ArxivRecordFactory.build() for _ in range(25))
    counts = papers_upsert(records=records, batch_size=10)
    assert counts.new == 25
    assert Paper.objects.count() == 25


def test_a_poorer_source_at_the_same_version_does_not_wipe_richer_metadata() -> None:
    from_api = ArxivRecordFactory.build(source="arxiv", doi="10.1/x", journal_ref="J. 1")
    papers_upsert(records=[from_api])
    from_rss = replace(from_api, source="rss", doi="", journal_ref="", abstract="one line")
    assert papers_upsert(records=[from_rss]).unchanged == 1
    assert papers_upsert(records=[from_api]).unchanged == 1  # no flip-flop between sources
    paper = Paper.objects.get(arxiv_id=from_api.arxiv_id)
    assert (paper.doi, paper.journal_ref, paper.metadata_source) == ("10.1/x", "J. 1", "arxiv")


def test_a_richer_source_at_the_same_version_replaces_a_poorer_one() -> None:
    from_rss = ArxivRecordFactory.build(source="rss")
    papers_upsert(records=[from_rss])
    from_oai = replace(from_rss, source="oai", doi="10.2/y")
    assert papers_upsert(records=[from_oai]).updated == 1
    assert Paper.objects.get(arxiv_id=from_rss.arxiv_id).doi == "10.2/y"


def test_a_listing_fills_in_the_announcement_day_without_overwriting_metadata() -> None:
    from datetime import date

    from_api = ArxivRecordFactory.build(source="arxiv", doi="10.1/x")
    papers_upsert(records=[from_api])
    listed = replace(from_api, source="rss", doi="", announced_on=date(2026, 6, 2))
    papers_upsert(records=[listed])
    paper = Paper.objects.get(arxiv_id=from_api.arxiv_id)
    assert (paper.announced_on, paper.doi) == (date(2026, 6, 2), "10.1/x")


def test_an_author_remembered_by_the_process_but_since_deleted_is_created_again() -> None:
    from papers.services import papers as papers_service

    first, second = ArxivRecordFactory.build_batch(2)
    papers_upsert(records=[first])
    Paper.objects.all().delete()
    Author.objects.all().delete()
    # As after a committed batch: the process believes both authors are stored.
    papers_service._remember_authors({"ada lovelace": "Ada Lovelace", "josé ramírez": "x"})
    counts = papers_upsert(records=[second])
    assert counts.new == 1
    paper = Paper.objects.get(arxiv_id=second.arxiv_id)
    assert [a.name for a in paper.authors.order_by("authorships__position")] == [
        "Ada Lovelace",
        "José Ramírez",
    ]


def test_authors_are_remembered_only_once_their_batch_commits(
    django_capture_on_commit_callbacks,
) -> None:
    from papers.services import papers as papers_service

    papers_service._known_authors.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        papers_upsert(records=[ArxivRecordFactory.build()])
    assert "ada lovelace" not in papers_service._known_authors
    for callback in callbacks:
        callback()
    assert {"ada lovelace", "josé ramírez"} <= papers_service._known_authors
