"""The one week helper: ISO weeks named by their Monday."""

from __future__ import annotations

from datetime import date

import pytest

from papers.weeks import WeekError, week_end, week_label, week_parse, week_start_of

WEEK = date(2026, 6, 1)  # a Monday (2026-W23)


@pytest.mark.parametrize(
    ("text", "monday"),
    [("2026-W23", date(2026, 6, 1)), ("2026w01", date(2025, 12, 29)), ("2026-06-04", WEEK)],
)
def test_weeks_are_read_as_iso_weeks_or_dates(text: str, monday: date) -> None:
    assert week_parse(text) == monday


def test_a_malformed_week_is_refused_with_a_clear_error() -> None:
    with pytest.raises(WeekError, match="2026-W23"):
        week_parse("last week")
    with pytest.raises(WeekError, match="no such ISO week"):
        week_parse("2026-W60")


def test_a_week_runs_monday_to_sunday_and_is_labelled_by_its_iso_number() -> None:
    assert [week_start_of(date(2026, 6, d)) for d in (1, 4, 7, 8)] == [WEEK] * 3 + [
        date(2026, 6, 8)
    ]
    assert week_end(WEEK) == date(2026, 6, 7)
    assert (week_label(WEEK), week_label(date(2025, 12, 29))) == ("2026-W23", "2026-W01")
