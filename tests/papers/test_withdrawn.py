"""Withdrawn papers, from arXiv's own ``.abs`` records: flagged, never deleted, history kept.

Fixtures: ``tests/fixtures/arxiv_abs/README.md``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from papers.harvest.abs import is_withdrawal_notice, parse_abs
from papers.harvest.records import ArxivRecord, HarvestError, VersionRecord
from papers.models import Paper, PaperVersion
from papers.services import papers_upsert

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv_abs"
CURRENT = sorted(FIXTURES.glob("arxiv__papers__*.abs"))


def abs_record(arxiv_id: str) -> ArxivRecord:
    yymm = arxiv_id.split(".")[0]
    return parse_abs(text=(FIXTURES / f"arxiv__papers__{yymm}__{arxiv_id}.abs").read_text())


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.abs")), ids=lambda p: p.stem)
def test_every_withdrawn_abs_record_is_flagged_on_its_latest_version(path: Path) -> None:
    record = parse_abs(text=path.read_text())
    assert record.withdrawn is True
    assert record.versions[-1].withdrawn is True
    assert record.versions[-1].size == "0kb"
    assert record.version == record.versions[-1].version
    assert record.versions[0].withdrawn is False  # v1 was a real paper


def test_date_lines_give_the_full_version_history_with_sizes() -> None:
    record = abs_record("0704.0840")
    assert record.versions == (
        VersionRecord(1, datetime(2007, 4, 6, 4, 12, 24, tzinfo=UTC), "67kb", False),
        VersionRecord(2, datetime(2008, 3, 8, 14, 5, 11, tzinfo=UTC), "63kb", False),
        VersionRecord(3, datetime(2012, 9, 13, 3, 58, 4, tzinfo=UTC), "0kb", True),
    )
    assert record.submitted_at == datetime(2007, 4, 6, 4, 12, 24, tzinfo=UTC)
    assert record.updated_at == datetime(2012, 9, 13, 3, 58, 4, tzinfo=UTC)
    assert (record.doi, record.journal_ref) == (
        "10.1142/S0217732309026711",
        "Mod.Phys.Lett.A24:143-150,2009",
    )
    assert "$\\phi^{\\pm}$" in record.abstract  # LaTeX kept as written


def test_header_fields_keep_their_wrapped_text_and_the_abstract_its_layout() -> None:
    record = abs_record("0704.0156")
    assert record.arxiv_id == "0704.0156"
    assert record.title == (
        "Nonlinear force-free coronal magnetic field extrapolation scheme based\n"
        "  on the direct boundary integral formulation"
    )
    assert record.authors == ("Han He", "Huaning Wang")
    assert (record.primary_category, record.categories) == ("astro-ph", ("astro-ph",))
    assert record.comments.startswith("This paper has been withdrawn by the authors. This paper")
    assert record.comments.endswith("(3.76 MB\n  pdf file)")
    assert record.abstract == "  This paper has been withdrawn by the authors.\n"
    assert record.source == "abs"


def test_a_paper_withdrawn_twice_has_two_withdrawn_versions() -> None:
    record = abs_record("0704.0615")
    assert [(v.version, v.size, v.withdrawn) for v in record.versions] == [
        (1, "56kb", False),
        (2, "0kb", True),
        (3, "0kb", True),
    ]
    archived = parse_abs(text=(FIXTURES / "orig__arxiv__papers__0704__0704.0615v3.abs").read_text())
    assert archived == record  # the archived v3 record differs only in the submitter's e-mail


def test_administrative_withdrawal_after_seven_versions() -> None:
    record = abs_record("2101.10016")
    assert [v.withdrawn for v in record.versions] == [False] * 7 + [True]
    assert [v.size for v in record.versions[:7]] == [
        "171kb",
        "171kb",
        "197kb",
        "202kb",
        "226kb",
        "233kb",
        "270kb",
    ]
    assert record.categories == ("math.QA", "hep-th", "math-ph", "math.MP", "math.OA")
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert record.comments == (
        "This has been withdrawn by arXiv administrators due to an\n"
        "  unresolvable authorship dispute"
    )


def test_withdrawal_notices_are_recognised_but_not_every_use_of_the_word() -> None:
    assert is_withdrawal_notice(abs_record("0704.0644").comments)  # abstract kept, notice here
    assert is_withdrawal_notice("paper withdrawn by author")
    assert is_withdrawal_notice("withdrawn by arXiv administrators due to plagiarism.")
    assert not is_withdrawal_notice("The drug was withdrawn from the market in 2004.")
    assert not is_withdrawal_notice("", "12 pages, 3 figures")


def test_text_that_is_not_an_abs_record_is_a_harvest_error() -> None:
    with pytest.raises(HarvestError, match=r"not an arXiv \.abs record"):
        parse_abs(text="<html>Not Found</html>")


@pytest.mark.django_db
def test_withdrawing_a_stored_paper_flags_it_and_keeps_its_earlier_versions() -> None:
    withdrawn = abs_record("2101.10016")
    before = replace(
        withdrawn,
        version=7,
        versions=withdrawn.versions[:7],
        withdrawn=False,
        updated_at=withdrawn.versions[6].submitted_at,
    )
    assert papers_upsert(records=[before]).new == 1
    earlier_rows = dict(
        PaperVersion.objects.filter(paper__arxiv_id="2101.10016").values_list("version", "pk")
    )
    assert sorted(earlier_rows) == [1, 2, 3, 4, 5, 6, 7]

    counts = papers_upsert(records=[withdrawn])

    assert (counts.new, counts.updated) == (0, 1)
    paper = Paper.objects.get(arxiv_id="2101.10016")
    assert (paper.withdrawn, paper.version) == (True, 8)
    assert paper.updated_at == datetime(2023, 1, 17, 19, 27, 37, tzinfo=UTC)
    rows = list(paper.versions.values_list("pk", "version", "size", "withdrawn"))
    assert rows[:7] == [
        (earlier_rows[n], n, size, False)
        for n, size in enumerate(
            ["171kb", "171kb", "197kb", "202kb", "226kb", "233kb", "270kb"], start=1
        )
    ]  # the same rows, untouched
    assert rows[7][1:] == (8, "0kb", True)


@pytest.mark.django_db
def test_storing_every_withdrawn_record_keeps_every_paper_and_flags_it() -> None:
    records = [parse_abs(text=path.read_text()) for path in CURRENT]
    assert papers_upsert(records=records).new == 10
    assert papers_upsert(records=records).unchanged == 10
    assert Paper.objects.count() == 10
    assert set(Paper.objects.values_list("withdrawn", flat=True)) == {True}
    assert PaperVersion.objects.count() == sum(len(r.versions) for r in records) == 28
    assert list(
        PaperVersion.objects.filter(paper__arxiv_id="0704.0615").values_list("version", "withdrawn")
    ) == [(1, False), (2, True), (3, True)]
