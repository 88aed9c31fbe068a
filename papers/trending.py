"""Trending papers: a transparent score per paper for a day, a week or a month.

    score = (W_HF · ln(1 + upvotes) + W_OWN · ln(1 + own) + W_CODE · has_code) · exp(−age / τ)

* ``upvotes``: the paper's Hugging Face daily-papers upvotes, the latest count seen in the
  window (the count only grows, so the maximum).
* ``own``: this site's signals made inside the window, ``views / 10 + bookmarks + upvotes``.
  They live in the reader app, which papers cannot import: reader registers a provider at
  start-up (``own_signals_provider_set``); without one the part is 0. A paper with own
  signals in the window is ranked even without a Hugging Face signal.
* ``has_code``: 1 when a source linked a code repository.
* ``age``: days from the paper's announcement (or its first signal) to the day ranked;
  τ is 1 day for "today", 3 for "this week", 10 for "this month".

Only papers with a signal (Hugging Face or own) inside the window are ranked. The About page
renders these constants from this module, so the page and the code cannot disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Min, Q, QuerySet

from papers.models import Paper, TopicPaper, TrendingSignal
from papers.selectors import papers_with_authors

W_HF = 1.0
W_OWN = 1.0
W_CODE = 0.5
OWN_VIEWS_PER_POINT = 10
RANK_HISTORY_DAYS = 14


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    days: int
    tau_days: float


WINDOWS = {
    "day": Window("day", "Today", 1, 1.0),
    "week": Window("week", "This week", 7, 3.0),
    "month": Window("month", "This month", 30, 10.0),
}


class TrendingError(Exception):
    """An unknown window."""


@dataclass(frozen=True)
class OwnSignals:
    views: int = 0
    bookmarks: int = 0
    upvotes: int = 0

    @property
    def value(self) -> float:
        return self.views / OWN_VIEWS_PER_POINT + self.bookmarks + self.upvotes


@dataclass(frozen=True)
class ScoreParts:
    upvotes: int
    hf: float
    own_signals: OwnSignals
    own: float
    has_code: bool
    code: float
    age_days: float
    recency: float
    score: float


@dataclass
class TrendingEntry:
    rank: int
    paper: Paper
    parts: ScoreParts
    github_repo: str = ""
    rank_history: list[tuple[date, int]] = field(default_factory=list)  # Hugging Face ranks


def window_get(key: str) -> Window:
    try:
        return WINDOWS[key]
    except KeyError:
        raise TrendingError(f"unknown window {key!r}; expected one of {sorted(WINDOWS)}") from None


def trending_score(
    *, upvotes: int, own: OwnSignals, has_code: bool, age_days: float, window: Window
) -> ScoreParts:
    """The score and every part of it, for one paper (see the module docstring)."""
    hf, own_part, code = W_HF * math.log1p(upvotes), W_OWN * math.log1p(own.value), 0.0
    code = W_CODE if has_code else 0.0
    recency = math.exp(-max(age_days, 0.0) / window.tau_days)
    return ScoreParts(
        upvotes=upvotes,
        hf=hf,
        own_signals=own,
        own=own_part,
        has_code=has_code,
        code=code,
        age_days=max(age_days, 0.0),
        recency=recency,
        score=(hf + own_part + code) * recency,
    )


# Called as provider(paper_ids=..., since=..., until=...) for the days since < day <= until;
# paper_ids=None asks for every paper with a signal in those days.
OwnSignalsProvider = Callable[..., dict[int, OwnSignals]]
_provider: OwnSignalsProvider | None = None


def own_signals_provider_set(provider: OwnSignalsProvider | None) -> None:
    """Register the source of the site's own signals (reader does it in ``ready()``)."""
    global _provider
    _provider = provider


def own_signals(*, paper_ids: list[int] | None, since: date, until: date) -> dict[int, OwnSignals]:
    """The site's views, bookmarks and upvotes per paper in (since, until]; one query."""
    if _provider is None or paper_ids == []:
        return {}
    return _provider(paper_ids=paper_ids, since=since, until=until)


def trending_papers(
    *,
    window: str,
    day: date,
    category: str | None = None,
    topic_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[TrendingEntry]:
    """Papers ranked by score on ``day``, best first; four queries whatever the length."""
    spec = window_get(window)
    scored = _scored(spec, day=day, category=category, topic_id=topic_id)
    page = scored[offset : offset + limit]
    papers = papers_with_authors().in_bulk([paper_id for paper_id, *_ in page])
    history = rank_history(paper_ids=list(papers), day=day)
    return [
        TrendingEntry(
            rank=offset + index + 1,
            paper=papers[paper_id],
            parts=parts,
            github_repo=repo,
            rank_history=history.get(paper_id, []),
        )
        for index, (paper_id, parts, repo) in enumerate(page)
        if paper_id in papers
    ]


def _scored(
    spec: Window,
    *,
    day: date,
    category: str | None,
    topic_id: int | None,
    paper_id: int | None = None,
) -> list[tuple[int, ScoreParts, str]]:
    since = day - timedelta(days=spec.days)
    signals = _in_scope(
        TrendingSignal.objects.filter(day__gt=since, day__lte=day),
        category=category, topic_id=topic_id, paper_id=paper_id, prefix="paper__",
    )  # fmt: skip
    rows = list(
        signals.values("paper_id").annotate(
            upvotes=Max("upvotes"),
            repo=Max("github_repo", filter=~Q(github_repo="")),
            first_day=Min("day"),
            announced_on=Max("paper__announced_on"),
        )
    )
    own = own_signals(paper_ids=None if paper_id is None else [paper_id], since=since, until=day)
    rows += _own_only_rows(own, known={row["paper_id"] for row in rows}, scope=(category, topic_id))
    scored = [
        (
            row["paper_id"],
            trending_score(
                upvotes=row["upvotes"] or 0,
                own=own.get(row["paper_id"], OwnSignals()),
                has_code=bool(row["repo"]),
                age_days=(day - (row["announced_on"] or row["first_day"] or day)).days,
                window=spec,
            ),
            row["repo"] or "",
        )
        for row in rows
    ]
    return sorted(scored, key=lambda item: (-item[1].score, -item[1].upvotes, item[0]))


def _in_scope(
    queryset: QuerySet, *, category: str | None, topic_id: int | None, paper_id: int | None,
    prefix: str,
) -> QuerySet:  # fmt: skip
    if category:
        queryset = queryset.filter(**{f"{prefix}categories__contains": [category]})
    if topic_id is not None:
        in_topic = TopicPaper.objects.filter(topic_id=topic_id).values("paper_id")
        queryset = queryset.filter(**{f"{prefix}id__in": in_topic})
    if paper_id is not None:
        queryset = queryset.filter(**{f"{prefix}id": paper_id})
    return queryset


def _own_only_rows(
    own: dict[int, OwnSignals], *, known: set[int], scope: tuple[str | None, int | None]
) -> list[dict[str, object]]:
    """Papers with own signals but no Hugging Face signal in the window; one query if any."""
    extra = [paper_id for paper_id in own if paper_id not in known]
    if not extra:
        return []
    papers = _in_scope(
        Paper.objects.filter(pk__in=extra), category=scope[0], topic_id=scope[1], paper_id=None,
        prefix="",
    )  # fmt: skip
    return [
        {"paper_id": pk, "upvotes": 0, "repo": "", "first_day": None, "announced_on": announced}
        for pk, announced in papers.values_list("pk", "announced_on")
    ]


def paper_trending_parts(*, paper_id: int, window: str, day: date) -> ScoreParts | None:
    """One paper's score and its parts for the window ending on ``day`` (None: no signal)."""
    scored = _scored(window_get(window), day=day, category=None, topic_id=None, paper_id=paper_id)
    return scored[0][1] if scored else None


def rank_history(
    *, paper_ids: list[int], day: date, days: int = RANK_HISTORY_DAYS
) -> dict[int, list[tuple[date, int]]]:
    """Each paper's Hugging Face daily rank over the ``days`` up to ``day``, oldest first."""
    rows = (
        TrendingSignal.objects.filter(
            paper_id__in=paper_ids, day__gt=day - timedelta(days=days), day__lte=day
        )
        .order_by("paper_id", "day", "rank")
        .values_list("paper_id", "day", "rank")
    )
    history: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for paper_id, signal_day, rank in rows:
        if not history[paper_id] or history[paper_id][-1][0] != signal_day:
            history[paper_id].append((signal_day, rank))
    return dict(history)


def trending_formula() -> dict[str, object]:
    """The constants of the formula, for the About page."""
    return {
        "w_hf": W_HF,
        "w_own": W_OWN,
        "w_code": W_CODE,
        "views_per_point": OWN_VIEWS_PER_POINT,
        "windows": list(WINDOWS.values()),
    }


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
