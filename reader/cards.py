"""Cards: a paper as every list shows it, with its extras read for a whole list at once.

A list of any length costs a fixed number of queries: the Hugging Face extras (upvotes,
code link, summary), the topic and this site's upvotes are each one query for all cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Max, Q

from digest.lib.safe_html import link_href
from papers.models import Paper, Topic, TopicPaper, TrendingSignal
from papers.text import first_sentence
from reader.models import Bookmark, Upvote

SUMMARY_MAX = 240


@dataclass
class Card:
    """A paper as a list shows it."""

    paper: Paper
    summary: str
    upvotes: int = 0
    github_repo: str = ""
    topic: Topic | None = None
    rank: int | None = None
    site_upvotes: int = 0
    bookmarked: bool = False  # by the reader looking, once ``marks_apply`` ran
    upvoted: bool = False


@dataclass
class CardPage:
    cards: list[Card]
    page: int
    has_next: bool
    fallback: bool = False  # no trending signal in the window: the newest papers instead

    @property
    def next_page(self) -> int:
        return self.page + 1


def card_summary(text: str, *, limit: int = SUMMARY_MAX) -> str:
    """The first sentence of ``text`` on one line, cut at ``limit`` characters."""
    sentence = first_sentence(text)
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def cards_for(*, papers: Sequence[Paper], ranks: Sequence[int | None] | None = None) -> list[Card]:
    """Cards for papers (authors already prefetched); three queries for any number."""
    ids = [paper.pk for paper in papers]
    extras = _signal_extras(ids)
    topics = paper_topics(paper_ids=ids)
    votes = site_upvote_counts(paper_ids=ids)
    cards = []
    for index, paper in enumerate(papers):
        upvotes, repo, ai_summary = extras.get(paper.pk, (0, "", ""))
        cards.append(
            Card(
                paper=paper,
                summary=ai_summary or card_summary(paper.abstract_text),
                upvotes=upvotes,
                github_repo=link_href(repo),  # harvested: a link only if http(s)
                topic=topics.get(paper.pk),
                rank=ranks[index] if ranks else None,
                site_upvotes=votes.get(paper.pk, 0),
            )
        )
    return cards


def site_upvote_counts(*, paper_ids: list[int]) -> dict[int, int]:
    """This site's upvotes per paper; one query."""
    if not paper_ids:
        return {}
    rows = Upvote.objects.filter(paper_id__in=paper_ids).values("paper_id").annotate(n=Count("id"))
    return {row["paper_id"]: row["n"] for row in rows}


def marks_apply(*, cards: Sequence[Card], user: AbstractBaseUser | AnonymousUser) -> Sequence[Card]:
    """Mark the cards the reader bookmarked or upvoted; two queries, none when anonymous."""
    if not user.is_authenticated or not cards:
        return cards
    ids = [card.paper.pk for card in cards]
    bookmarked = set(
        Bookmark.objects.filter(user=user, paper_id__in=ids).values_list("paper_id", flat=True)
    )
    upvoted = set(
        Upvote.objects.filter(user=user, paper_id__in=ids).values_list("paper_id", flat=True)
    )
    for card in cards:
        card.bookmarked, card.upvoted = card.paper.pk in bookmarked, card.paper.pk in upvoted
    return cards


def _signal_extras(paper_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    if not paper_ids:
        return {}
    rows = (
        TrendingSignal.objects.filter(paper_id__in=paper_ids)
        .values("paper_id")
        .annotate(
            upvotes=Max("upvotes"),
            repo=Max("github_repo", filter=Q(github_repo__istartswith="http")),
            summary=Max("ai_summary", filter=~Q(ai_summary="")),
        )
    )
    return {r["paper_id"]: (r["upvotes"] or 0, _web(r["repo"]), r["summary"] or "") for r in rows}


def _web(url: str | None) -> str:
    """Only http(s) links from a harvested source become an ``href``."""
    return url if url and url.startswith(("https://", "http://")) else ""


def paper_topics(*, paper_ids: list[int]) -> dict[int, Topic]:
    """Each paper's topic in the latest week that clustered it; one query."""
    if not paper_ids:
        return {}
    memberships = (
        TopicPaper.objects.filter(paper_id__in=paper_ids)
        .select_related("topic")
        .order_by("paper_id", "-week__week_start")
        .distinct("paper_id")
    )
    return {m.paper_id: m.topic for m in memberships}
