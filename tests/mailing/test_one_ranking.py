"""One ranking everywhere: home "Today", /trending/?window=day, the day's RSS and a
subscriber's daily email list the same papers in the same order (the email after the
subscriber's filters)."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from mailing.services import sending
from papers.models import Paper, TrendingSignal
from reader.services import upvote_set
from tests.mailing.conftest import Mailbox
from tests.mailing.factories import SubscriberFactory
from tests.mailing.mail_helpers import parts
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db


def _papers() -> list[Paper]:
    """Papers whose Hugging Face list position, upvotes and own signals disagree, so that
    only the trending score gives the order; two of them outside cs.CL."""
    today = timezone.localdate()
    made = []
    # (category, HF rank today, upvotes today, upvotes three days ago, site upvotes today)
    for n, (cat, rank, votes, earlier, own) in enumerate([
        ("cs.CL", 1, 4, 0, 0),
        ("cs.CV", 2, 50, 0, 0),
        ("cs.CL", 3, 12, 10, 0),  # 2 new today: behind its count
        ("cs.CL", 4, 9, 0, 6),  # lifted by the site's readers
        ("cs.CL", 5, 30, 0, 0),
        ("cs.LG", 6, 25, 0, 0),
    ]):  # fmt: skip
        paper = PaperFactory(
            title_text=f"Ranked paper {n}", categories=[cat], primary_category=cat,
            announced_on=today - timedelta(days=4),
        )  # fmt: skip
        signal = TrendingSignal.objects.create
        signal(source="hf", day=today, paper=paper, rank=rank, upvotes=votes)
        if earlier:
            signal(source="hf", day=today - timedelta(3), paper=paper, rank=1, upvotes=earlier)
        for reader in range(own):
            user = get_user_model().objects.create(username=f"r{n}-{reader}")
            upvote_set(user=user, paper=paper, on=True)
        made.append(paper)
    return made


def _order(html: str, pattern: str, titles: dict[str, int]) -> list[int]:
    return [titles[m] for m in re.findall(pattern, html) if m in titles]


def test_home_trending_rss_and_email_show_one_order(client: Client, mailbox: Mailbox) -> None:
    papers = _papers()
    by_arxiv = {p.arxiv_id: p.pk for p in papers}
    by_title = {p.title_text: p.pk for p in papers}
    SubscriberFactory(email="nlp@example.org", categories=["cs.CL"])

    home = client.get("/").content.decode()
    trending = client.get("/trending/?window=day").content.decode()
    feed = feedparser.parse(client.get("/feeds/trending.rss").content)
    edition = sending.edition_daily_digest(day=timezone.localdate())
    for batch in sending.edition_prepare(edition=edition):
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
    email_text, _ = parts(mailbox.to("nlp@example.org")[0])

    site = _order(home, r'href="/papers/([^"]+)/"', by_arxiv)
    site = list(dict.fromkeys(site))
    # The score's order, not Hugging Face's list position nor its raw counts.
    assert [Paper.objects.get(pk=pk).title_text for pk in site] == [
        "Ranked paper 1", "Ranked paper 4", "Ranked paper 5", "Ranked paper 3",
        "Ranked paper 0", "Ranked paper 2",
    ]  # fmt: skip
    assert list(dict.fromkeys(_order(trending, r'href="/papers/([^"]+)/"', by_arxiv))) == site
    assert [by_arxiv[e.link.rstrip("/").rsplit("/", 1)[1]] for e in feed.entries] == site
    in_cl = [pk for pk in site if Paper.objects.get(pk=pk).categories == ["cs.CL"]]
    emailed = _order(email_text, r"(?m)^\d+\. (.+?)\r?$", by_title)
    assert emailed[: len(in_cl)] == in_cl  # the subscriber's papers first, in the site's order
    assert len(emailed) == len(papers)  # then the rest of the day, each saying it is outside
