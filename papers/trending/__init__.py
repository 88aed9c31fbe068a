"""Trending papers: one transparent score per paper and window, used by every list.

See ``formula`` for the score, ``signals`` for what it reads and ``ranking`` for the lists.
"""

from papers.trending.formula import (
    OWN_DAILY_CAP,
    OWN_VIEWS_PER_POINT,
    W_CODE,
    W_HF,
    W_OWN,
    WINDOWS,
    DaySignals,
    OwnSignals,
    ScoreParts,
    TrendingError,
    Window,
    trending_formula,
    trending_score,
    window_get,
)
from papers.trending.ranking import (
    Ranked,
    SignalDay,
    TrendingEntry,
    TrendingQuery,
    paper_signal_days,
    paper_trending_parts,
    rank_history,
    trending_papers,
    trending_ranking,
    window_days,
)
from papers.trending.signals import (
    OwnSignalsProvider,
    own_signals,
    own_signals_provider,
    own_signals_provider_set,
)

__all__ = [
    "OWN_DAILY_CAP",
    "OWN_VIEWS_PER_POINT",
    "WINDOWS",
    "W_CODE",
    "W_HF",
    "W_OWN",
    "DaySignals",
    "OwnSignals",
    "OwnSignalsProvider",
    "Ranked",
    "ScoreParts",
    "SignalDay",
    "TrendingEntry",
    "TrendingError",
    "TrendingQuery",
    "Window",
    "own_signals",
    "own_signals_provider",
    "own_signals_provider_set",
    "paper_signal_days",
    "paper_trending_parts",
    "rank_history",
    "trending_formula",
    "trending_papers",
    "trending_ranking",
    "trending_score",
    "window_days",
    "window_get",
]
