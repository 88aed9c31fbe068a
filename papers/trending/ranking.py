"""Trending lists: every paper with a signal in a window, ranked by its score.

``trending_ranking`` is the one ranking (ids and score parts) behind every list the
product shows: the home tabs, /trending/, the daily email, the trending feeds, search's
``sort=trending`` and the weekly draft's paper choice. ``trending_papers`` is the same
ranking with the papers loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from papers.models import Paper
from papers.selectors import papers_with_authors
from papers.trending.formula import WINDOWS, DaySignals, ScoreParts, trending_score, window_get
from papers.trending.signals import PaperSignals, Scope, hf_rank_history, window_signals

RANK_HISTORY_DAYS = 14


@dataclass(frozen=True)
class Ranked:
    paper_id: int
    parts: ScoreParts
    github_repo: str = ""


@dataclass
class TrendingEntry:
    rank: int
    paper: Paper
    parts: ScoreParts
    github_repo: str = ""
    rank_history: list[tuple[date, int]] = field(default_factory=list)  # Hugging Face ranks

    @property
    def reason(self) -> str:
        return self.parts.reason


def trending_ranking(
    *, window: str, day: date, category: str | None = None, topic_id: int | None = None
) -> list[Ranked]:
    """Every paper in scope with points in the window ending on ``day``, best first.

    Ties go to the paper with more Hugging Face upvotes, then to the newer id, so every
    caller sees one order. Two or three queries whatever the length.
    """
    spec = window_get(window)
    signals = window_signals(
        since=spec.since(day), until=day, scope=Scope(category=category, topic_id=topic_id)
    )
    ranked = [
        Ranked(
            paper_id=paper_id,
            parts=trending_score(
                days=found.days.values(), window=spec, day=day, upvotes=found.upvotes,
                has_code=bool(found.github_repo),
            ),
            github_repo=found.github_repo,
        )
        for paper_id, found in signals.items()
    ]  # fmt: skip
    ranked = [r for r in ranked if r.parts.heat > 0]
    return sorted(ranked, key=lambda r: (-r.parts.score, -r.parts.upvotes, -r.paper_id))


def trending_papers(
    *,
    window: str,
    day: date,
    category: str | None = None,
    topic_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    with_history: bool = False,
) -> list[TrendingEntry]:
    """One page of ``trending_ranking`` with the papers (and their authors) loaded."""
    page = trending_ranking(window=window, day=day, category=category, topic_id=topic_id)
    page = page[offset : offset + limit]
    papers = papers_with_authors().in_bulk([r.paper_id for r in page])
    history = (
        hf_rank_history(paper_ids=list(papers), day=day, days=RANK_HISTORY_DAYS)
        if with_history
        else {}
    )
    return [
        TrendingEntry(
            rank=offset + index + 1,
            paper=papers[r.paper_id],
            parts=r.parts,
            github_repo=r.github_repo,
            rank_history=history.get(r.paper_id, []),
        )
        for index, r in enumerate(page)
        if r.paper_id in papers
    ]


def paper_trending_parts(*, paper_id: int, window: str, day: date) -> ScoreParts | None:
    """One paper's score and its parts in the window ending on ``day`` (None: no points)."""
    spec = window_get(window)
    found = window_signals(since=spec.since(day), until=day, scope=Scope(paper_id=paper_id))
    if paper_id not in found:
        return None
    signals = found[paper_id]
    parts = trending_score(
        days=signals.days.values(), window=spec, day=day, upvotes=signals.upvotes,
        has_code=bool(signals.github_repo),
    )  # fmt: skip
    return parts if parts.heat > 0 else None


@dataclass(frozen=True)
class SignalDay:
    """One day of what moved a paper: its signals and their weight in each window."""

    signals: DaySignals
    weights: dict[str, float]  # window key -> the points this day adds to that window's heat


def paper_signal_days(*, paper_id: int, day: date) -> list[SignalDay]:
    """The paper's signals day by day over the longest window, newest first (for editors)."""
    longest = max(WINDOWS.values(), key=lambda w: w.days)
    found = window_signals(since=longest.since(day), until=day, scope=Scope(paper_id=paper_id))
    signals = found.get(paper_id, PaperSignals())
    days = sorted(signals.days.values(), key=lambda d: d.day, reverse=True)
    return [
        SignalDay(
            signals=d,
            weights={
                key: d.points * spec.fade(age_days=(day - d.day).days)
                for key, spec in WINDOWS.items()
                if spec.since(day) < d.day
            },
        )
        for d in days
    ]


def rank_history(
    *, paper_ids: list[int], day: date, days: int = RANK_HISTORY_DAYS
) -> dict[int, list[tuple[date, int]]]:
    """Each paper's Hugging Face daily rank over the ``days`` up to ``day``, oldest first."""
    return hf_rank_history(paper_ids=paper_ids, day=day, days=days)


def window_days(*, window: str, day: date) -> tuple[date, date]:
    """The first and last day of the window ending on ``day``."""
    spec = window_get(window)
    return spec.since(day) + timedelta(days=1), day


@dataclass(frozen=True)
class TrendingQuery:
    """The trending page's filters, read leniently from a query string."""

    window: str = "week"
    category: str | None = None
    topic_id: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> TrendingQuery:
        window = params.get("window", "week")
        topic = params.get("topic", "")
        return cls(
            window=window if window in WINDOWS else "week",
            category=params.get("cat", "").strip()[:40] or None,
            topic_id=int(topic) if topic.isdigit() else None,
        )
