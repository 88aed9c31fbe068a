"""Reading the signals a window ranks by: Hugging Face upvotes gained per day, own signals.

The site's own views, bookmarks and upvotes live in the reader's app, which papers cannot
import: it registers a provider at start-up (``own_signals_provider_set``); without one
the own part is 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection

from papers.models import Paper, TopicPaper, TrendingSignal
from papers.trending.formula import DaySignals, OwnSignals

# How far back a Hugging Face count is remembered as the baseline for "gained since":
# a paper listed again after this long brings its whole count again.
HF_BASELINE_DAYS = 90


@dataclass(frozen=True)
class Scope:
    """Which papers a ranking considers: a category, a topic, or one paper (None: all)."""

    category: str | None = None
    topic_id: int | None = None
    paper_id: int | None = None


@dataclass
class PaperSignals:
    """One paper's signals inside a window, by day, and what the card shows beside them."""

    days: dict[date, DaySignals] = field(default_factory=dict)
    upvotes: int = 0  # the latest Hugging Face count up to the window's last day
    github_repo: str = ""


# Called as provider(paper_ids=..., since=..., until=...) for the days since < day <= until;
# returns {paper_id: {day: OwnSignals}}; paper_ids=None asks for every paper with a signal.
OwnSignalsProvider = Callable[..., dict[int, dict[date, OwnSignals]]]
_provider: OwnSignalsProvider | None = None


def own_signals_provider_set(provider: OwnSignalsProvider | None) -> None:
    """Register the source of the site's own signals (the reader's app does it in ``ready()``)."""
    global _provider
    _provider = provider


def own_signals_provider() -> OwnSignalsProvider | None:
    return _provider


def own_signals(
    *, paper_ids: list[int] | None, since: date, until: date
) -> dict[int, dict[date, OwnSignals]]:
    """The site's counted signals per paper and day in (since, until]; one query."""
    if _provider is None or paper_ids == []:
        return {}
    return _provider(paper_ids=paper_ids, since=since, until=until)


_HF_SQL = """
WITH scoped AS (
    SELECT s.paper_id, s.source, s.day, s.upvotes, s.github_repo
      FROM papers_trendingsignal s JOIN papers_paper p ON p.id = s.paper_id
     WHERE s.day > %(baseline)s AND s.day <= %(until)s AND NOT p.withdrawn {scope}
), gained AS (
    SELECT paper_id, day, upvotes, github_repo,
           greatest(upvotes - coalesce(max(upvotes) OVER (
               PARTITION BY paper_id, source ORDER BY day
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), 0) AS new_upvotes
      FROM scoped
)
SELECT paper_id, day, new_upvotes, upvotes, github_repo FROM gained
 WHERE paper_id IN (SELECT paper_id FROM scoped WHERE day > %(since)s)
 ORDER BY paper_id, day
"""


def window_signals(*, since: date, until: date, scope: Scope) -> dict[int, PaperSignals]:
    """Every paper in scope with a signal in (since, until], with its signals by day.

    Two queries (Hugging Face, own signals), a third when own signals name papers that
    Hugging Face did not list, to apply the scope to them.
    """
    papers = _hf_signals(since=since, until=until, scope=scope)
    own = own_signals(
        paper_ids=None if scope.paper_id is None else [scope.paper_id], since=since, until=until
    )
    own_only = [paper_id for paper_id in own if paper_id not in papers]
    for paper_id in _in_scope(own_only, scope=scope):
        papers[paper_id] = PaperSignals()
    for paper_id, signals in papers.items():
        for day, counted in own.get(paper_id, {}).items():
            known = signals.days.get(day, DaySignals(day=day))
            signals.days[day] = DaySignals(day=day, hf_new=known.hf_new, own=counted)
    return papers


def _hf_signals(*, since: date, until: date, scope: Scope) -> dict[int, PaperSignals]:
    clauses, params = _scope_sql(scope)
    params |= {"since": since, "until": until, "baseline": since - timedelta(HF_BASELINE_DAYS)}
    with connection.cursor() as cursor:
        cursor.execute(_HF_SQL.format(scope=clauses), params)
        rows = cursor.fetchall()
    papers: dict[int, PaperSignals] = defaultdict(PaperSignals)
    for paper_id, day, new_upvotes, upvotes, repo in rows:
        signals = papers[paper_id]
        signals.upvotes = max(signals.upvotes, upvotes)
        signals.github_repo = signals.github_repo or repo
        if day > since:
            known = signals.days.get(day, DaySignals(day=day))
            signals.days[day] = DaySignals(day=day, hf_new=known.hf_new + new_upvotes)
    return dict(papers)


def _scope_sql(scope: Scope) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if scope.category:
        clauses.append("AND p.categories @> ARRAY[%(category)s]::varchar[]")
        params["category"] = scope.category
    if scope.topic_id is not None:
        table = TopicPaper._meta.db_table
        clauses.append(f"AND p.id IN (SELECT paper_id FROM {table} WHERE topic_id = %(topic)s)")
        params["topic"] = scope.topic_id
    if scope.paper_id is not None:
        clauses.append("AND p.id = %(paper)s")
        params["paper"] = scope.paper_id
    return " ".join(clauses), params


def _in_scope(paper_ids: list[int], *, scope: Scope) -> list[int]:
    """Of these papers, the ones in scope and not withdrawn; one query, none if no ids."""
    if not paper_ids:
        return []
    papers = Paper.objects.filter(pk__in=paper_ids, withdrawn=False)
    if scope.category:
        papers = papers.filter(categories__contains=[scope.category])
    if scope.topic_id is not None:
        papers = papers.filter(topic_memberships__topic_id=scope.topic_id)
    return list(papers.values_list("pk", flat=True))


def hf_rank_history(
    *, paper_ids: list[int], day: date, days: int
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
