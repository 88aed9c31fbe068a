"""Cards: a paper as every list shows it, with its extras read for a whole list at once.

A list of any length costs a fixed number of queries: the Hugging Face extras (upvotes,
code link, summary), the topic and this site's upvotes are each one query for all cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, Q
from django.utils import timezone

from digest.lib.safe_html import link_href
from papers.authors import papers_by_people
from papers.models import Paper, Topic, TopicPaper, TrendingSignal
from papers.text import first_sentence, latex_to_text
from reader.models import Bookmark, Follow, Upvote

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
    reason: str = ""  # in a trending list: why the paper is there
    age: str = ""  # "announced 3 days ago", counted to the day the list is about
    by_followed: list[str] = field(default_factory=list)  # followed authors among its authors


@dataclass
class CardPage:
    cards: list[Card]
    page: int
    has_next: bool

    @property
    def next_page(self) -> int:
        return self.page + 1


def card_summary(text: str, *, limit: int = SUMMARY_MAX) -> str:
    """The first sentence of ``text`` on one line, cut at ``limit`` characters."""
    sentence = first_sentence(latex_to_text(text))
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def paper_age(*, paper: Paper, day: date) -> str:
    """A paper's age, the one way every card states it: from its arXiv announcement (else its
    submission) to ``day``."""
    if paper.announced_on is not None:
        since, verb = paper.announced_on, "announced"
    elif paper.submitted_at is not None:
        since, verb = paper.submitted_at.date(), "submitted"
    else:
        return ""
    days = (day - since).days
    if days < 0:
        return f"{verb} {since:%-d %b %Y}"
    return f"{verb} " + {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def cards_for(
    *,
    papers: Sequence[Paper],
    ranks: Sequence[int | None] | None = None,
    reasons: Sequence[str] | None = None,
    day: date | None = None,
) -> list[Card]:
    """Cards for papers (authors already prefetched); three queries for any number.

    ``day`` is the day the list is about (default today): ages are counted to it."""
    day = day or timezone.localdate()
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
                summary=(
                    latex_to_text(ai_summary) if ai_summary else card_summary(paper.abstract_text)
                ),
                upvotes=upvotes,
                github_repo=link_href(repo),  # harvested: a link only if http(s)
                topic=topics.get(paper.pk),
                rank=ranks[index] if ranks else None,
                site_upvotes=votes.get(paper.pk, 0),
                reason=reasons[index] if reasons else "",
                age=paper_age(paper=paper, day=day),
            )
        )
    return cards


def site_upvote_counts(*, paper_ids: list[int]) -> dict[int, int]:
    """This site's upvotes per paper; one query."""
    if not paper_ids:
        return {}
    rows = Upvote.objects.filter(paper_id__in=paper_ids).values("paper_id").annotate(n=Count("id"))
    return {row["paper_id"]: row["n"] for row in rows}


def marks_apply(*, cards: Sequence[Card], user: User | AnonymousUser) -> Sequence[Card]:
    """Mark the cards the reader bookmarked or upvoted, and those by authors the reader
    follows; three or four queries, none when anonymous."""
    if not user.is_authenticated or not cards:
        return cards
    ids = [card.paper.pk for card in cards]
    bookmarked = set(
        Bookmark.objects.filter(user=user, paper_id__in=ids).values_list("paper_id", flat=True)
    )
    upvoted = set(
        Upvote.objects.filter(user=user, paper_id__in=ids).values_list("paper_id", flat=True)
    )
    followed = list(
        Follow.objects.filter(user=user, kind=Follow.Kind.AUTHOR).values_list("key", flat=True)
    )
    by = papers_by_people(keys=followed, paper_ids=ids)
    for card in cards:
        card.bookmarked, card.upvoted = card.paper.pk in bookmarked, card.paper.pk in upvoted
        card.by_followed = by.get(card.paper.pk, [])
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
