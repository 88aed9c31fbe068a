"""Reads of mailing: the subscriber a signed link names, an edition's papers and batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from digest.lib.signing import TokenError, token_read
from mailing.models import Subscriber
from papers.models import Authorship, Paper, TrendingSignal
from papers.text import first_sentence
from papers.topics.selectors import topic_lineage_paper_ids


def subscriber_for_token(*, purpose: str, token: str, max_age: int | None = None) -> Subscriber:
    """The subscriber a signed link names; TokenError if tampered, expired or revoked."""
    link = token_read(purpose=purpose, token=token, max_age=max_age)
    subscriber = Subscriber.objects.filter(pk=link.subscriber_id).first()
    if subscriber is None or not constant_time_compare(subscriber.secret, link.secret):
        raise TokenError(expired=False)
    return subscriber


@dataclass(frozen=True)
class DigestPaper:
    id: int
    title: str
    authors: str
    summary: str
    abs_url: str
    pdf_url: str
    page_url: str
    categories: frozenset[str]


def digest_candidate_paper_ids(*, day: date, limit: int = 200) -> list[int]:
    """The day's trending papers by rank (best source rank first), else the day's announcements."""
    ranked = (
        TrendingSignal.objects.filter(day=day, paper__withdrawn=False)
        .order_by("rank", "source", "paper_id")
        .values_list("paper_id", flat=True)
    )
    ids = list(dict.fromkeys(ranked[: limit * 2]))[:limit]
    if ids:
        return ids
    announced = Paper.objects.filter(announced_on=day, withdrawn=False).order_by("-submitted_at")
    return list(announced.values_list("id", flat=True)[:limit])


def digest_papers(*, paper_ids: list[int], day: date | None) -> list[DigestPaper]:
    """Papers in the given order with author names and a one-line summary."""
    papers = Paper.objects.in_bulk(paper_ids)
    authors: dict[int, list[str]] = {}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    ):
        authors.setdefault(paper_id, []).append(name)
    summaries = dict(
        TrendingSignal.objects.filter(paper_id__in=paper_ids, day=day)
        .exclude(ai_summary="")
        .values_list("paper_id", "ai_summary")
    )
    return [
        DigestPaper(
            id=paper.id,
            title=paper.title_text or paper.title,
            authors=_author_line(authors.get(paper.id, [])),
            summary=one_line(summaries.get(paper.id) or paper.abstract_text),
            abs_url=paper.abs_url,
            pdf_url=paper.pdf_url,
            page_url=f"{settings.SITE_URL}{reverse('paper', args=[paper.arxiv_id])}",
            categories=frozenset(paper.categories),
        )
        for paper in (papers[pk] for pk in paper_ids if pk in papers)
    ]


def digest_papers_in_topics(*, paper_ids: list[int], topic_keys: list[str]) -> set[int]:
    """The papers among ``paper_ids`` in a followed topic (keys are topic ids as text)."""
    topic_ids = [int(key) for key in topic_keys if key.isdigit()]
    return topic_lineage_paper_ids(topic_ids=topic_ids, paper_ids=paper_ids)


def _author_line(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} et al."


def one_line(text: str, *, limit: int = 220) -> str:
    """First sentence of ``text``, single-spaced, cut at a word boundary under ``limit``."""
    sentence = first_sentence(text)
    if sentence and not sentence.endswith((".", "!", "?")):
        sentence += "."
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
