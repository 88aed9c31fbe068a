"""The reader's browsing pages: home (trending by day, week, month), author, category."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from digest import browse
from papers.trending import WINDOWS

CATEGORY_CODE = re.compile(r"^[A-Za-z-]{2,20}(\.[A-Za-z-]{1,20})?$")


@dataclass(frozen=True)
class ListQuery:
    """A list page's query string: window tab, day, page; malformed values are a 404."""

    window: str
    day: date
    page: int
    is_today: bool

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, today: date) -> ListQuery:
        window = params.get("window", "day")
        day = _day(params.get("day", ""), today=today)
        return cls(
            window=window if window in WINDOWS else "day",
            day=day,
            page=_page_number(params.get("page", "1")),
            is_today=day == today,
        )


def _day(value: str, *, today: date) -> date:
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404("Malformed date: expected YYYY-MM-DD.") from None
    if day > today:
        raise Http404("No papers from the future yet.")
    return day


def _page_number(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        raise Http404("No such page.")
    return int(value)


def _listing_template(request: HttpRequest, template: str, page: int, empty: bool) -> str:
    """The page, or only its cards for htmx's infinite scroll; past the end is a 404."""
    if page > 1 and empty:
        raise Http404("That page is past the end of the list.")
    return f"{template}#cards" if request.htmx else template


@require_GET
@vary_on_headers("HX-Request")
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    query = ListQuery.from_params(request.GET, today=today)
    data = browse.home_page(
        window=query.window, day=query.day, today=today, page=query.page, user=request.user
    )
    listing = data.listing
    template = _listing_template(request, "digest/home.html", query.page, not listing.cards)
    context = {"home": data, "query": query, "listing": listing, "windows": WINDOWS.values()}
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
def author(request: HttpRequest, author_id: int) -> HttpResponse:
    page = _page_number(request.GET.get("page", "1"))
    data = browse.author_page(author_id=author_id, page=page, user=request.user)
    if data is None:
        raise Http404("No such author.")
    template = _listing_template(request, "digest/author.html", page, not data.listing.cards)
    return render(request, template, {"author": data.author, "listing": data.listing})


@require_GET
@vary_on_headers("HX-Request")
def category(request: HttpRequest, code: str) -> HttpResponse:
    page = _page_number(request.GET.get("page", "1"))
    if not CATEGORY_CODE.match(code):
        raise Http404("Not an arXiv category code.")
    data = browse.category_page(code=code, day=timezone.localdate(), page=page, user=request.user)
    if data is None:
        raise Http404("No paper in that category.")
    template = _listing_template(request, "digest/category.html", page, not data.listing.cards)
    return render(request, template, {"category": data, "listing": data.listing})
