"""The trending formula: windows, constants, the score of one paper and the reason shown.

For a window of ``n`` days ending on day ``D`` (today: 1 day, this week: 7, this month: 30)::

    points(d) = W_HF · new_hf_upvotes(d) + W_OWN · min(own(d), OWN_DAILY_CAP)
    heat      = Σ over the days d of the window of points(d) · exp(−(D − d) / τ)
    score     = ln(1 + heat) + W_CODE · has_code

* ``new_hf_upvotes(d)``: the Hugging Face upvotes a paper gained on day ``d`` (its count
  that day minus the highest count seen before; a paper's first listing brings its whole
  count). Only signals *inside* the window count, each faded by its own age.
* ``own(d)``: this site's signals of day ``d`` from real readers: counted views /
  OWN_VIEWS_PER_POINT + bookmarks + upvotes, capped per paper and day so the site's own
  readers can lift a paper among its peers but never outweigh the outside community by
  more than OWN_DAILY_CAP upvotes a day.
* ``τ``: each window's own decay (1, 3 and 10 days).

A paper with no points in the window (heat 0) is not ranked in it. The About page renders
these constants from this module, so the page and the code cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

W_HF = 1.0
W_OWN = 1.0
W_CODE = 0.5
OWN_VIEWS_PER_POINT = 10
OWN_DAILY_CAP = 10.0


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    days: int
    tau_days: float
    span: str  # how a reason names the window: "today", "this week"

    def since(self, day: date) -> date:
        """The last day *before* the window ending on ``day``."""
        return day - timedelta(days=self.days)

    def fade(self, *, age_days: int) -> float:
        return math.exp(-max(age_days, 0) / self.tau_days)


WINDOWS = {
    "day": Window("day", "Today", 1, 1.0, "today"),
    "week": Window("week", "This week", 7, 3.0, "in the last 7 days"),
    "month": Window("month", "This month", 30, 10.0, "in the last 30 days"),
}


class TrendingError(Exception):
    """An unknown window."""


def window_get(key: str) -> Window:
    try:
        return WINDOWS[key]
    except KeyError:
        raise TrendingError(f"unknown window {key!r}; expected one of {sorted(WINDOWS)}") from None


@dataclass(frozen=True)
class OwnSignals:
    """The site's counted views, bookmarks and upvotes of a paper (one day, or summed)."""

    views: int = 0
    bookmarks: int = 0
    upvotes: int = 0

    @property
    def points(self) -> float:
        return self.views / OWN_VIEWS_PER_POINT + self.bookmarks + self.upvotes

    def __add__(self, other: OwnSignals) -> OwnSignals:
        return OwnSignals(
            self.views + other.views, self.bookmarks + other.bookmarks, self.upvotes + other.upvotes
        )

    def __bool__(self) -> bool:
        return bool(self.views or self.bookmarks or self.upvotes)


@dataclass(frozen=True)
class DaySignals:
    """What one paper got on one day: new Hugging Face upvotes and the site's own signals."""

    day: date
    hf_new: int = 0
    own: OwnSignals = field(default_factory=OwnSignals)

    @property
    def own_points(self) -> float:
        return min(self.own.points, OWN_DAILY_CAP)

    @property
    def points(self) -> float:
        return W_HF * self.hf_new + W_OWN * self.own_points


@dataclass(frozen=True)
class ScoreParts:
    """A paper's score in one window, and everything that made it."""

    window: str
    day: date
    hf_new: int  # Hugging Face upvotes gained inside the window
    hf_heat: float
    upvotes: int  # the paper's latest Hugging Face count (what the card shows as HF ▲)
    own_signals: OwnSignals  # the site's counted signals inside the window
    own_heat: float
    own_capped: bool  # some day's own points were cut to OWN_DAILY_CAP
    has_code: bool
    code: float
    heat: float
    score: float
    last_signal: date | None

    @property
    def reason(self) -> str:
        """One line saying why the paper is in the list; never a bare multiplier."""
        span = window_get(self.window).span
        parts = []
        if self.hf_new:
            parts.append(f"{_count(self.hf_new, 'upvote')} on Hugging Face {span}")
        if self.own_signals:
            parts.append(f"{_own_phrase(self.own_signals)} here {span}")
        if self.last_signal is not None and self.window != "day":
            parts.append(_last_signal_phrase(self.day, self.last_signal))
        if self.code:
            parts.append("code available")
        line = "; ".join(parts)
        return line[:1].upper() + line[1:]


def trending_score(
    *, days: Iterable[DaySignals], window: Window, day: date, upvotes: int, has_code: bool
) -> ScoreParts:
    """The score and its parts for one paper from its signals inside ``window`` (see above)."""
    inside = [d for d in days if window.since(day) < d.day <= day]
    hf_heat = sum(W_HF * d.hf_new * window.fade(age_days=(day - d.day).days) for d in inside)
    own_heat = sum(W_OWN * d.own_points * window.fade(age_days=(day - d.day).days) for d in inside)
    own = sum((d.own for d in inside), OwnSignals())
    heat = hf_heat + own_heat
    code = W_CODE if has_code and heat > 0 else 0.0
    return ScoreParts(
        window=window.key,
        day=day,
        hf_new=sum(d.hf_new for d in inside),
        hf_heat=hf_heat,
        upvotes=upvotes,
        own_signals=own,
        own_heat=own_heat,
        own_capped=any(d.own.points > OWN_DAILY_CAP for d in inside),
        has_code=has_code,
        code=code,
        heat=heat,
        score=math.log1p(heat) + code,
        last_signal=max((d.day for d in inside if d.points > 0), default=None),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _own_phrase(own: OwnSignals) -> str:
    named = [(own.upvotes, "upvote"), (own.bookmarks, "bookmark"), (own.views, "view")]
    words = [_count(n, noun) for n, noun in named if n]
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _last_signal_phrase(day: date, last: date) -> str:
    age = (day - last).days
    return {0: "latest today", 1: "latest yesterday"}.get(age, f"latest {age} days ago")


def trending_formula() -> dict[str, object]:
    """The constants of the formula, for the About page."""
    return {
        "w_hf": W_HF,
        "w_own": W_OWN,
        "w_code": W_CODE,
        "views_per_point": OWN_VIEWS_PER_POINT,
        "own_daily_cap": OWN_DAILY_CAP,
        "windows": list(WINDOWS.values()),
    }
