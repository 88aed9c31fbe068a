"""The reader's own part of the daily email: the top of their "For you" list with signed
"more like this" / "not for me" links (no login needed), and their saved searches' new
matches of the day. Registered with mailing at start-up (``ReaderConfig.ready``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import get_template
from django.urls import reverse

from mailing.personal import PersonalPart
from papers.models import Paper
from reader.foryou import feed_for
from reader.services import feedback_token
from search.models import SavedSearch
from search.saved import saved_search_matches, saved_searches_of

EMAIL_FOR_YOU = 5
EMAIL_MATCHES_PER_SEARCH = 10


@dataclass(frozen=True)
class EmailPaper:
    title: str
    url: str
    reason: str = ""
    more_url: str = ""
    less_url: str = ""


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _signed(user_id: int, paper_id: int, kind: str) -> str:
    token = feedback_token(user_id=user_id, paper_id=paper_id, kind=kind)
    return _absolute(reverse("feedback_signed", args=[token]))


def personal_part(*, email: str, day: date) -> PersonalPart | None:
    """For an address with an account: its For you top and saved-search matches, or None."""
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return None
    feed = feed_for(user=user, window="day", day=day, length=EMAIL_FOR_YOU)
    for_you = [
        EmailPaper(
            title=card.paper.title_text, url=_page(card.paper), reason=card.reason,
            more_url=_signed(user.pk, card.paper.pk, "more"),
            less_url=_signed(user.pk, card.paper.pk, "less"),
        )
        for card in feed.items
    ]  # fmt: skip
    searches = [
        (search, [_paper(p) for p in _matches(search, day)])
        for search in saved_searches_of(user=user)
    ]
    searches = [(search, papers) for search, papers in searches if papers]
    if not for_you and not searches:
        return None
    context = {
        "for_you": for_you, "searches": searches,
        "for_you_url": _absolute(reverse("for_you")),
        "searches_url": _absolute(reverse("search:saved")),
    }  # fmt: skip
    return PersonalPart(
        text=get_template("reader/email/_personal.txt").render(context),
        html=get_template("reader/email/_personal.html").render(context),
    )


def _matches(search: SavedSearch, day: date) -> list[Paper]:
    return saved_search_matches(saved=search, since=day, until=day)[:EMAIL_MATCHES_PER_SEARCH]


def _page(paper: Paper) -> str:
    return _absolute(reverse("paper", args=[paper.arxiv_id]))


def _paper(paper: Paper) -> EmailPaper:
    return EmailPaper(title=paper.title_text, url=_page(paper))
