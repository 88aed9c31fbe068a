"""Inline SVG for the Pulse map and the topic charts: no script, no CDN, a link per point.

The map is drawn here rather than in a template loop: a busy week has thousands of points,
and Python string joins draw them several times faster than Django's template engine
iterates over them (docs/measurements.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.topics.selectors import MapPoint, TopicSummary
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


@register.simple_tag
def sizes_chart(
    summaries: Sequence[TopicSummary], width: int = 360, height: int = 160
) -> SafeString:
    """Lines of papers per week for the given topics, over the weeks they continue."""
    weeks = sorted({week for s in summaries for week, _ in s.history})
    top = max((size for s in summaries for _, size in s.history), default=1)
    if len(weeks) < 2:
        return mark_safe('<p class="muted">No earlier weeks to compare with yet.</p>')
    x_of = {w: 30 + i * (width - 40) / (len(weeks) - 1) for i, w in enumerate(weeks)}
    lines = []
    for s in summaries:
        pts = " ".join(
            f"{x_of[w]:.1f},{height - 20 - n / top * (height - 30):.1f}" for w, n in s.history
        )
        label = escape(s.topic.display_label)
        lines.append(
            f'<polyline points="{pts}" fill="none" stroke-width="2" '
            f'stroke="{topic_colour(s.topic.number)}"><title>{label}</title></polyline>'
        )
    ticks = "".join(
        f'<text x="{x:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
        f"{_week_tick(w)}</text>"
        for w, x in x_of.items()
    )
    return _svg(width, height, "Papers per week of the top topics", "".join(lines) + ticks)


@register.simple_tag
def history_chart(
    history: Sequence[tuple[date, int]], width: int = 360, height: int = 140
) -> SafeString:
    """Bars of a topic's papers per week, oldest first."""
    if not history:
        return mark_safe("")
    top, step = max(n for _, n in history), (width - 20) / len(history)
    bars = "".join(
        f'<rect x="{10 + i * step:.1f}" y="{height - 20 - n / top * (height - 40):.1f}" '
        f'width="{step * 0.7:.1f}" height="{n / top * (height - 40):.1f}" fill="#0072b2">'
        f"<title>{_week_tick(w)}: {n} papers</title></rect>"
        f'<text x="{10 + i * step + step * 0.35:.1f}" y="{height - 6}" font-size="10" '
        f'text-anchor="middle">{_week_tick(w)}</text>'
        for i, (w, n) in enumerate(history)
    )
    return _svg(width, height, "Papers per week in this topic", bars)


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
