from __future__ import annotations

from datetime import date

import pytest

from search.query import ParsedQuery, SearchQueryError, parse_query


def test_words_phrases_exclusions_and_filters_are_separated() -> None:
    parsed = parse_query(
        'sparse attention "long context" -survey -"position paper" '
        'author:"Tri Dao" author:Gu cat:cs.LG,cs.CL after:2026-06-01 before:2026-06'
    )
    assert parsed == ParsedQuery(
        words=("sparse", "attention"),
        phrases=("long context",),
        excluded=("survey", "position paper"),
        authors=("Tri Dao", "Gu"),
        categories=("cs.LG", "cs.CL"),
        date_from=date(2026, 6, 1),
        date_until=date(2026, 6, 1),
    )
    assert parsed.text == "sparse attention long context"


@pytest.mark.parametrize(
    "raw",
    ["2606.00188", "2606.00188v2", "arXiv:2606.00188", "https://arxiv.org/abs/2606.00188v3",
     "https://arxiv.org/pdf/2606.00188", " https://export.arxiv.org/abs/2606.00188/ "],
)  # fmt: skip
def test_an_arxiv_id_or_url_names_one_paper(raw: str) -> None:
    assert parse_query(raw) == ParsedQuery(arxiv_id="2606.00188")


def test_an_old_style_id_names_one_paper() -> None:
    assert parse_query("hep-ex/0406020v1").arxiv_id == "hep-ex/0406020"


def test_a_date_range_and_a_single_day() -> None:
    assert parse_query("date:2026-06-01..2026-06-07").date_until == date(2026, 6, 7)
    single = parse_query("date:2026-06-03")
    assert (single.date_from, single.date_until) == (date(2026, 6, 3), date(2026, 6, 3))
    assert parse_query("after:2026").date_from == date(2026, 1, 1)


@pytest.mark.parametrize("raw", ["after:yesterday", "before:2026-13-01", "date:06/01/2026"])
def test_a_malformed_date_is_a_clear_error(raw: str) -> None:
    with pytest.raises(SearchQueryError, match="wants a date like 2026-06-01"):
        parse_query(raw)


def test_an_inverted_range_is_a_clear_error() -> None:
    with pytest.raises(SearchQueryError, match="start date is after the end date"):
        parse_query("after:2026-07-01 before:2026-06-01")


@pytest.mark.parametrize("raw", ["", "   ", '"', '""', "-", "author:", "!!!", "a & b | !c"])
def test_odd_input_never_raises(raw: str) -> None:
    parse_query(raw)


def test_an_unclosed_quote_is_a_phrase_to_the_end() -> None:
    assert parse_query('"long context').phrases == ("long context",)


def test_a_very_long_query_is_truncated_not_refused() -> None:
    parsed = parse_query("word " * 5000)
    assert parsed.truncated is True
    assert len(parsed.words) == 200
