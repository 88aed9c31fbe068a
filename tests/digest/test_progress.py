"""Progress lines read as a person would say them."""

from __future__ import annotations

from digest.lib.progress import Progress, duration


def test_a_progress_line_has_counts_rate_and_time_left() -> None:
    line = Progress(stage="embedding", done=2048, total=6642, unit="papers", rate=31.2).line()
    assert line == "embedding 2,048 / 6,642 papers · 31 papers/s · ~2 min left"


def test_before_a_rate_is_known_the_line_says_only_the_counts() -> None:
    assert Progress(stage="embedding", done=0, total=10, unit="papers").line() == (
        "embedding 0 / 10 papers"
    )


def test_a_finished_stage_says_done() -> None:
    line = Progress(stage="topics", done=4, total=4, unit="weeks", rate=0.02).line()
    assert line == "topics 4 / 4 weeks · 1.2 weeks/min · done"


def test_durations_round_to_what_a_reader_needs() -> None:
    assert [duration(s) for s in (0.2, 44, 95, 3900)] == ["1 s", "44 s", "2 min", "1 h 05 min"]
