"""Inline SVG for the Pulse map and the topic charts: no script, no CDN, a link per point.

The map is drawn here rather than in a template loop: a busy week has thousands of points,
and Python string joins draw them several times faster than Django's template engine
iterates over them (docs/measurements.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.topics.selectors import HistoryPoint, MapPoint, TopicSummary
from papers.weeks import week_label

register = template.Library()

# Okabe-Ito and Tableau hues, distinguishable for most colour-blind readers.
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
    "#f0e442", "#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#edc948",
)  # fmt: skip
OTHER_COLOUR = "#b8b8b8"


@lru_cache(maxsize=1)
def _paper_url_pattern() -> str:
    return reverse("paper", args=["ARXIV_ID"])


@register.filter
def paper_href(arxiv_id: str) -> str:
    """The one place that says where a paper link goes (the site's paper page)."""
    return _paper_url_pattern().replace("ARXIV_ID", arxiv_id)


@register.filter
def topic_colour(number: int) -> str:
    return OTHER_COLOUR if number < 0 else PALETTE[number % len(PALETTE)]


@register.simple_tag
def topic_map(points: Sequence[MapPoint], width: int = 760, height: int = 520) -> SafeString:
    """Every paper of the week as a dot coloured by topic, each a link with its title."""
    pad, radius = 8, 3 if len(points) < 1500 else 2
    dots = [
        f'<a href="{escape(paper_href(p.arxiv_id))}" aria-label="{escape(p.title)}">'
        f'<circle cx="{pad + p.x * (width - 2 * pad):.1f}" '
        f'cy="{pad + (1 - p.y) * (height - 2 * pad):.1f}" r="{radius}" '
        f'fill="{topic_colour(p.topic_number)}"><title>{escape(p.title)}</title></circle></a>'
        for p in points
    ]
    return mark_safe(
        # A group, not an image: its dots are links (an image's children are not reachable).
        f'<svg class="topic-map" viewBox="0 0 {width} {height}" role="group" '
        f'aria-labelledby="topic-map-title"><title id="topic-map-title">Map of the week\'s '
        f"{len(points)} papers: similar papers lie close, colours are topics</title>"
        f'<rect width="{width}" height="{height}" style="fill: var(--chip)"/>{"".join(dots)}</svg>'
    )


@register.filter
def percent(share: float | None) -> str:
    """A share of the week as a percentage: 0.153 -> "15%" (below 1 %: one decimal)."""
    if share is None:
        return ""
    return f"{share * 100:.1f}%" if share < 0.01 else f"{share * 100:.0f}%"


@register.simple_tag
def sizes_chart(
    summaries: Sequence[TopicSummary], width: int = 420, height: int = 220
) -> SafeString:
    """Lines of each topic's share of the week's papers over the weeks it continues, with
    a labelled y axis (share, ticks) and x axis (ISO weeks)."""
    weeks = sorted({point.week_start for s in summaries for point in s.history})
    if len(weeks) < 2:
        return mark_safe('<p class="muted">No earlier weeks to compare with yet.</p>')
    top = _nice_top(max(point.share for s in summaries for point in s.history))
    box = _Box(width, height, left=46, bottom=36)
    x_of = {w: box.x(i / (len(weeks) - 1)) for i, w in enumerate(weeks)}
    lines = []
    for s in summaries:
        pts = " ".join(f"{x_of[p.week_start]:.1f},{box.y(p.share / top):.1f}" for p in s.history)
        label = escape(s.topic.display_label)
        lines.append(
            f'<polyline points="{pts}" fill="none" stroke-width="2" '
            f'stroke="{topic_colour(s.topic.number)}"><title>{label}</title></polyline>'
        )
    x_ticks = [(x, _week_tick(w)) for w, x in x_of.items()]
    y_ticks = [(top * i / 4, percent(top * i / 4)) for i in range(5)]
    body = box.axes(x_ticks, y_ticks, top, x_title="Week", y_title="Share of the week")
    return _svg(width, height, "Share of each week's papers, top topics", body + "".join(lines))


@register.simple_tag
def history_chart(
    history: Sequence[HistoryPoint],
    ended_after: date | None = None,
    width: int = 420,
    height: int = 200,
) -> SafeString:
    """Bars of a topic's papers per week, oldest first, with axes; a last "ended" mark."""
    if not history:
        return mark_safe("")
    top = _nice_top(max(point.size for point in history))
    slots = len(history) + (1 if ended_after else 0)
    box = _Box(width, height, left=46, bottom=36)
    step = (box.right - box.left) / slots
    bars, x_ticks = [], []
    for i, point in enumerate(history):
        x = box.left + i * step + step * 0.15
        y = box.y(point.size / top)
        tick = _week_tick(point.week_start)
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
            f'height="{box.y(0) - y:.1f}" fill="#0072b2"><title>{tick}: {point.size} papers '
            f"({percent(point.share)} of the week)</title></rect>"
        )
        x_ticks.append((x + step * 0.35, tick))
    if ended_after:
        x = box.left + len(history) * step + step * 0.5
        bars.append(
            f'<text x="{x:.1f}" y="{box.y(0) - 4:.1f}" font-size="10" text-anchor="middle">'
            "ended</text>"
        )
    y_ticks = [(top * i / 4, f"{top * i / 4:.0f}") for i in range(5)]
    body = box.axes(x_ticks, y_ticks, top, x_title="Week", y_title="Papers")
    return _svg(width, height, "Papers per week in this topic", body + "".join(bars))


def _nice_top(value: float) -> float:
    """A round upper end for an axis: 1, 2, 2.5 or 5 times a power of ten, at least value."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value))


@dataclass(frozen=True)
class _Box:
    """The plotting area inside a chart: maps [0, 1] fractions to pixels, draws the axes."""

    width: int
    height: int
    left: int
    bottom: int
    top_pad: int = 10
    right_pad: int = 12

    @property
    def right(self) -> float:
        return self.width - self.right_pad

    def x(self, fraction: float) -> float:
        return self.left + fraction * (self.right - self.left)

    def y(self, fraction: float) -> float:
        return self.height - self.bottom - fraction * (self.height - self.bottom - self.top_pad)

    def axes(
        self,
        x_ticks: Sequence[tuple[float, str]],
        y_ticks: Sequence[tuple[float, str]],
        top: float,
        *,
        x_title: str,
        y_title: str,
    ) -> str:
        base = self.y(0)
        parts = [
            f'<line x1="{self.left}" y1="{base:.1f}" x2="{self.right:.1f}" y2="{base:.1f}" '
            'stroke="currentColor"/>',
            f'<line x1="{self.left}" y1="{self.top_pad}" x2="{self.left}" y2="{base:.1f}" '
            'stroke="currentColor"/>',
        ]
        for value, text in y_ticks:
            y = self.y(value / top)
            parts.append(
                f'<text x="{self.left - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">'
                f"{escape(text)}</text>"
            )
        for x, text in x_ticks:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 13:.1f}" font-size="10" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
        parts.append(
            f'<text x="{(self.left + self.right) / 2:.1f}" y="{self.height - 4}" font-size="10" '
            f'text-anchor="middle">{escape(x_title)}</text>'
            f'<text x="10" y="{base / 2 + self.top_pad:.1f}" font-size="10" text-anchor="middle" '
            f'transform="rotate(-90 10 {base / 2 + self.top_pad:.1f})">{escape(y_title)}</text>'
        )
        return "".join(parts)


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}'
        f"</title>{body}</svg>"
    )


def _week_tick(week_start: date) -> str:
    return f"W{week_start.isocalendar()[1]:02d}"


@register.filter
def iso_week(week_start: date) -> str:
    """``2026-W23``: the week's form in URLs."""
    return week_label(week_start)
