"""The read API, /api/v1/: papers, trending, topics, research logs, search, and the
reader's own "For you" list. JSON, paginated (``?page=``), described by an OpenAPI schema
at /api/v1/openapi.json (django-ninja builds it from the typed endpoints below).

Personal endpoints take a bearer token (``Authorization: Bearer <token>``, made on
/me/api-token/). Every endpoint is rate-limited in PostgreSQL (``digest.lib.ratelimit``,
API_RATE): per token on personal endpoints, per client address elsewhere; over the limit
the answer is 429 with Retry-After.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the endpoints'
# annotations at import time to build their validation and the schema.
import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer

from digest.lib.ratelimit import client_ip, rate_parse, ratelimit_hit
from papers.models import Paper, Topic
from papers.selectors import papers_with_authors
from papers.topics.selectors import topic_week_get
from papers.trending import WINDOWS, trending_papers
from reader import foryou
from reader.models import ApiToken
from reader.selectors import newest_papers
from reader.services import api_token_hash
from search.forms import SearchForm
from search.query import SearchQueryError
from search.selectors import search_papers
from search.serializers import results_as_json
from writing.selectors import research_logs

api = NinjaAPI(
    title="Research Digest API",
    version="1",
    description="Read access to papers, trending, topics, research logs and your own list.",
    urls_namespace="api_v1",
)
PAGE_SIZE = 20


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(request, {"detail": "Too many requests; slow down."}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(token))
        token_row = found.first()
        if token_row is None or not token_row.user.is_active:
            return None
        return token_row.user


def limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Count the request against API_RATE (per token user, else per address)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from django.conf import settings

        user = getattr(request, "auth", None)
        key = f"user:{user.pk}" if isinstance(user, User) else f"ip:{client_ip(request)}"
        rate = rate_parse(settings.API_RATE)
        if not ratelimit_hit(scope="api", key=key, rate=rate):
            raise RateLimited(retry_after=rate.period_s)
        return view(request, *args, **kwargs)

    return wrapper


class PaperOut(Schema):
    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: list[str]
    primary_category: str
    categories: list[str]
    submitted_at: datetime | None
    announced_on: date | None
    doi: str
    url: str
    abs_url: str
    pdf_url: str


def paper_out(paper: Paper) -> PaperOut:
    return PaperOut(
        arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title_text,
        abstract=paper.abstract_text, authors=[a.name for a in paper.ordered_authors],
        primary_category=paper.primary_category, categories=list(paper.categories),
        submitted_at=paper.submitted_at, announced_on=paper.announced_on, doi=paper.doi,
        url=reverse("paper", args=[paper.arxiv_id]), abs_url=paper.abs_url,
        pdf_url=paper.pdf_url,
    )  # fmt: skip


class TrendingOut(Schema):
    rank: int
    score: float
    reason: str
    paper: PaperOut


class TopicOut(Schema):
    id: int
    week_start: date
    label: str
    keywords: list[str]
    size: int
    is_outlier: bool
    url: str


class LogOut(Schema):
    number: int
    title: str
    theme: str
    summary: str
    published_at: datetime
    url: str


class FeedItemOut(Schema):
    reason: str
    paper: PaperOut


class ErrorOut(Schema):
    detail: str


@api.get("/papers", response=list[PaperOut], tags=["papers"])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@limited
def papers(request: HttpRequest, category: str | None = None) -> list[PaperOut]:
    """Papers, newest announced first; ``category`` filters (e.g. cs.LG)."""
    return [paper_out(p) for p in papers_with_authors(newest_papers(category=category))[:1000]]


@api.get("/papers/{path:arxiv_id}", response={200: PaperOut, 404: ErrorOut}, tags=["papers"])
@limited
def paper(request: HttpRequest, arxiv_id: str) -> PaperOut:
    found = papers_with_authors().filter(arxiv_id=arxiv_id).first()
    if found is None:
        raise HttpError(404, "No such paper.")
    return paper_out(found)


@api.get("/trending", response={200: list[TrendingOut], 400: ErrorOut}, tags=["trending"])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@limited
def trending(request: HttpRequest, window: str = "day") -> list[TrendingOut]:
    """Today's (or this week's or month's) trending papers, best first, with their reason."""
    if window not in WINDOWS:
        raise HttpError(400, f"window must be one of {', '.join(WINDOWS)}")
    entries = trending_papers(window=window, day=timezone.localdate(), limit=200)
    return [
        TrendingOut(rank=e.rank, score=e.parts.score, reason=e.reason, paper=paper_out(e.paper))
        for e in entries
    ]


@api.get("/topics", response={200: list[TopicOut], 404: ErrorOut}, tags=["topics"])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@limited
def topics(request: HttpRequest, week: date | None = None) -> list[TopicOut]:
    """A week's topics (the latest computed week by default), largest first."""
    found = topic_week_get(week_start=week)
    if found is None:
        raise HttpError(404, "No topics have been computed for that week.")
    return [_topic_out(t) for t in Topic.objects.filter(week=found)]


def _topic_out(topic: Topic) -> TopicOut:
    return TopicOut(
        id=topic.pk, week_start=topic.week.week_start, label=topic.display_label,
        keywords=list(topic.keywords), size=topic.size, is_outlier=topic.is_outlier,
        url=reverse("topic", args=[topic.pk]),
    )  # fmt: skip


@api.get("/logs", response=list[LogOut], tags=["logs"])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@limited
def logs(request: HttpRequest) -> list[LogOut]:
    """Published research logs, newest first."""
    return [
        LogOut(
            number=log.number, title=log.title, theme=log.theme, summary=log.summary,
            published_at=log.published_at, url=reverse("research_log", args=[log.slug]),
        )
        for log in research_logs()
    ]  # fmt: skip


@api.get("/search", response={200: dict[str, Any], 400: ErrorOut}, tags=["search"])
@limited
def search(request: HttpRequest) -> dict[str, Any]:
    """The search box's query language (``q``, ``mode``, ``sort``, ``cat``, ``date_from``,
    ``date_until``, ``code``, ``page``); the same answer as /api/search."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    try:
        results = search_papers(request=form.to_request())
    except SearchQueryError as exc:
        raise HttpError(400, str(exc)) from exc
    return results_as_json(results, request=request)


@api.get(
    "/me/feed",
    response={200: list[FeedItemOut], 400: ErrorOut, 401: ErrorOut},
    auth=TokenAuth(),
    tags=["me"],
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@limited
def my_feed(request: HttpRequest, window: str = "day") -> list[FeedItemOut]:
    """Your "For you" list (bearer token): the newest day's or week's papers ranked for you."""
    if window not in foryou.WINDOW_DAYS:
        raise HttpError(400, "window must be day or week")
    user = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    feed = foryou.feed_for(user=user, window=window, day=timezone.localdate())
    return [FeedItemOut(reason=c.reason, paper=paper_out(c.paper)) for c in feed.items]
