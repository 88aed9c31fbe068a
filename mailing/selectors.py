"""Reads of mailing: the subscriber a signed link names, an edition's papers and batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from digest.lib.signing import TokenError, token_read
from mailing.models import Subscriber
from papers.models import Authorship, Paper, TrendingSignal
from papers.selectors import trending_harvested
from papers.text import first_sentence, latex_to_text


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
    why: str = ""  # one line: why the paper is in this email


def digest_papers(
    *, paper_ids: list[int], day: date | None, why: dict[int, str] | None = None
) -> list[DigestPaper]:
    """Papers in the given order with author names, a one-line summary and why each is
    there."""
    papers = Paper.objects.in_bulk(paper_ids)
    authors: dict[int, list[str]] = {}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    ):
        authors.setdefault(paper_id, []).append(name)
    summaries: dict[int, str] = {}
    if day is not None:
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
            why=(why or {}).get(paper.id, ""),
        )
        for paper in (papers[pk] for pk in paper_ids if pk in papers)
    ]


def _author_line(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} et al."


def one_line(text: str, *, limit: int = 220) -> str:
    """First sentence of ``text``, single-spaced, cut at a word boundary under ``limit``."""
    sentence = first_sentence(latex_to_text(text))
    if sentence and not sentence.endswith((".", "!", "?")):
        sentence += "."
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def daily_digest_wait_s(*, day: date, now: datetime) -> int:
    """Seconds the day's digest should still wait for the day's trending harvest; 0: send.

    It waits until the day's Hugging Face list has been harvested (by a run started after
    DIGEST_HARVEST_AFTER, UTC: the night's runs see an almost empty list) or until
    DIGEST_SEND_CUTOFF (UTC) on that day, whichever comes first, checking every
    DIGEST_SEND_POLL_S (docs/trending.md).
    """
    cutoff = _utc_on(day, settings.DIGEST_SEND_CUTOFF)
    harvest_from = _utc_on(day, settings.DIGEST_HARVEST_AFTER)
    if now >= cutoff or trending_harvested(day=day, started_after=harvest_from):
        return 0
    poll = int(settings.DIGEST_SEND_POLL_S)
    return max(1, min(poll, int((cutoff - now).total_seconds())))


def _utc_on(day: date, hh_mm: str) -> datetime:
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)
