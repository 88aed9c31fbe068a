"""The reader's pages: home (trending by day, week, month), paper, author, category,
Pulse of AI and topics, trending; accounts, "My papers", bookmark/upvote/follow buttons."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from digest.lib.ratelimit import client_ip, limit_posts_per_ip
from digest.lib.request_types import AuthenticatedHttpRequest, HtmxHttpRequest
from digest.lib.visitors import network_of
from papers.citations import bibtex_file, ris_file
from papers.models import Paper
from papers.topics.selectors import latest_announced_week, pulse_for_week, topic_get, topic_page
from papers.trending import WINDOWS, TrendingQuery, trending_formula, trending_papers
from papers.weeks import WeekError, week_parse
from reader import foryou, selectors, services
from reader.forms import CATEGORY_CODE, FollowForm, ListQuery, SignupForm, page_number
from reader.models import Feedback

log = logging.getLogger(__name__)

ACTIONS = "reader/_actions.html"


def _listing_template(request: HtmxHttpRequest, template: str, page: int, empty: bool) -> str:
    """The page, or only its cards for htmx's infinite scroll; past the end is a 404."""
    if page > 1 and empty:
        raise Http404("That page is past the end of the list.")
    return f"{template}#cards" if request.htmx else template


@require_GET
@vary_on_headers("HX-Request")
def home(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    query = ListQuery.from_params(request.GET, today=today)
    data = selectors.home_page(
        window=query.window, day=query.day, today=today, page=query.page, user=request.user
    )
    listing = data.listing
    template = _listing_template(request, "reader/home.html", query.page, not listing.cards)
    context = {"home": data, "query": query, "listing": listing, "windows": WINDOWS.values()}
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
def author(request: HtmxHttpRequest, author_id: int) -> HttpResponse:
    page = page_number(request.GET.get("page", "1"))
    data = selectors.author_page(
        author_id=author_id, page=page, user=request.user, person_key=request.GET.get("person", "")
    )
    if data is None:
        raise Http404("No such author.")
    template = _listing_template(request, "reader/author.html", page, not data.listing.cards)
    context = {"author": data.author, "page": data, "listing": data.listing}
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
def category(request: HtmxHttpRequest, code: str) -> HttpResponse:
    page = page_number(request.GET.get("page", "1"))
    if not CATEGORY_CODE.match(code):
        raise Http404("Not an arXiv category code.")
    data = selectors.category_page(
        code=code, day=timezone.localdate(), page=page, user=request.user
    )
    if data is None:
        raise Http404("No paper in that category.")
    template = _listing_template(request, "reader/category.html", page, not data.listing.cards)
    return render(request, template, {"category": data, "listing": data.listing})


@require_GET
def paper_detail(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    page = selectors.paper_page(arxiv_id=arxiv_id, user=request.user, day=timezone.localdate())
    if page is None:
        raise Http404("No such paper.")
    seen_token = ""
    if request.user.is_authenticated:  # a signed-in reader's view counts as it is
        _count_view(request, paper_id=page.paper.pk, day=page.day)
    else:  # anyone else's counts when the page's script reports it shown (paper_seen)
        seen_token = services.paper_seen_token(paper_id=page.paper.pk, day=page.day)
    context = {"page": page, "paper": page.paper, "seen_token": seen_token}
    return render(request, "reader/paper.html", context)


@require_POST
def paper_seen(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    """The paper page's beacon: the page was shown to a reader; count the view."""
    try:
        day = services.paper_seen_day(token=request.POST.get("token", ""), paper_id=paper_id)
    except signing.BadSignature:
        return HttpResponseBadRequest("Not a valid view token.")
    _count_view(request, paper_id=paper_id, day=day)
    return HttpResponse(status=204)


def _count_view(request: HtmxHttpRequest, *, paper_id: int, day: date) -> None:
    try:
        services.paper_view_record(paper_id=paper_id, viewer=_viewer(request), day=day)
    except Exception:  # a lost view count is tolerated; the page must still be shown
        log.warning("could not count a view of paper %s", paper_id, exc_info=True)


def _viewer(request: HtmxHttpRequest) -> services.Viewer:
    """Who is viewing: the session (else address and browser), the network, the browser."""
    address = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")
    return services.Viewer(
        visitor=request.session.session_key or f"{address}|{agent[:200]}",
        network=network_of(address),
        user_agent=agent,
    )


# --- Pulse of AI, topics, trending ------------------------------------------------------


@require_GET
def pulse(request: HtmxHttpRequest, week: str | None = None) -> HttpResponse:
    try:
        week_start = week_parse(week) if week else None
    except WeekError as error:
        raise Http404(str(error)) from error
    data = pulse_for_week(week_start=week_start)
    if data is None and week_start is not None:
        raise Http404("No topics have been computed for that week.")
    latest = latest_announced_week() if data is None else None  # for the empty page's hint
    return render(request, "reader/pulse/week.html", {"pulse": data, "latest_week": latest})


@require_GET
def topic_detail(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    topic = topic_get(topic_id=topic_id)
    if topic is None:
        raise Http404("No such topic.")
    return render(request, "reader/pulse/topic.html", {"page": topic_page(topic=topic)})


@require_GET
@vary_on_headers("HX-Request")
def trending(request: HtmxHttpRequest) -> HttpResponse:
    query = TrendingQuery.from_params(request.GET)
    entries = trending_papers(
        window=query.window,
        day=timezone.localdate(),
        category=query.category,
        topic_id=query.topic_id,
        with_history=True,
    )
    context = {"query": query, "entries": entries, "windows": WINDOWS.values()}
    partial = "#entries" if request.htmx else ""
    return render(request, f"reader/trending.html{partial}", context)


@require_GET
def about_for_you(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "reader/about_for_you.html")


@require_GET
def about_authors(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "reader/about_authors.html")


@require_GET
def about_trending(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "reader/about_trending.html", trending_formula())


# --- Accounts: sign up, "My papers", bookmark / upvote / follow -------------------------


@require_http_methods(["GET", "POST"])
@limit_posts_per_ip(scope="signup", rate_setting="SIGNUP_RATE_PER_IP")
def signup(request: HtmxHttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        return redirect("my_papers")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
@login_required
def my_papers(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"mine": selectors.my_papers(user=request.user)}
    return render(request, "reader/my_papers.html", context)


def _next_url(request: HtmxHttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else fallback


def _answer(request: HtmxHttpRequest, partial: str, context: dict[str, object]) -> HttpResponse:
    """htmx swaps the button; a plain form goes back where it came from."""
    fallback = str(context.pop("fallback"))
    if request.htmx:
        context["next"] = _next_url(request, fallback)
        context["compact"] = request.POST.get("compact") == "1"  # a list card's button
        return render(request, f"{ACTIONS}#{partial}", context)
    return redirect(_next_url(request, fallback))


@require_POST
@login_required
@vary_on_headers("HX-Request")
def bookmark(request: AuthenticatedHttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    on = request.POST.get("on") == "1"
    services.bookmark_set(user=request.user, paper=paper, on=on)
    fallback = reverse("paper", args=[paper.arxiv_id])
    context = {"paper": paper, "bookmarked": on, "fallback": fallback}
    return _answer(request, "bookmark", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def upvote(request: AuthenticatedHttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    on = request.POST.get("on") == "1"
    count = services.upvote_set(user=request.user, paper=paper, on=on)
    fallback = reverse("paper", args=[paper.arxiv_id])
    context = {"paper": paper, "upvoted": on, "site_upvotes": count, "fallback": fallback}
    return _answer(request, "upvote", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def follow(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FollowForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Unknown follow request.", status=400)
    data = form.cleaned_data
    services.follow_set(user=request.user, kind=data["kind"], key=data["key"], on=data["on"])
    context = {**data, "followed": data["on"], "fallback": reverse("my_papers")}
    return _answer(request, "follow", context)


# --- Citations out: BibTeX and RIS ------------------------------------------------------

CITATION_FORMATS = {
    "bib": (bibtex_file, "application/x-bibtex; charset=utf-8"),
    "ris": (ris_file, "application/x-research-info-systems; charset=utf-8"),
}


def _citation_response(papers: list[Paper], *, fmt: str, filename: str) -> HttpResponse:
    render_file, content_type = CITATION_FORMATS[fmt]
    response = HttpResponse(render_file(papers), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_GET
def paper_citation(request: HtmxHttpRequest, arxiv_id: str, fmt: str) -> HttpResponse:
    paper = selectors.paper_for_citation(arxiv_id=arxiv_id)
    if paper is None or fmt not in CITATION_FORMATS:
        raise Http404("No such paper.")
    return _citation_response([paper], fmt=fmt, filename=arxiv_id.replace("/", "_"))


@require_GET
@login_required
def bookmarks_citation(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CITATION_FORMATS:
        raise Http404("Unknown citation format.")
    papers = selectors.bookmarked_papers(user=request.user)
    return _citation_response(papers, fmt=fmt, filename="bookmarks")


# --- For you: the reader's own list, and their word on it -------------------------------


@require_GET
@login_required
def for_you(request: AuthenticatedHttpRequest) -> HttpResponse:
    window = request.GET.get("window", "day")
    window = window if window in foryou.WINDOW_DAYS else "day"
    feed = foryou.feed_for(user=request.user, window=window, day=timezone.localdate())
    return render(request, "reader/for_you.html", {"feed": feed})


@require_POST
@login_required
@vary_on_headers("HX-Request")
def feedback(request: AuthenticatedHttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    kind = request.POST.get("kind", "")
    if kind not in Feedback.Kind.values:
        return HttpResponseBadRequest("Unknown feedback.")
    services.feedback_set(user=request.user, paper=paper, kind=kind)
    if request.htmx:  # the card goes (not for me) or says it was heard (more like this)
        return render(request, "reader/for_you.html#feedback-done", {"paper": paper, "kind": kind})
    return redirect(_next_url(request, reverse("for_you")))


@require_http_methods(["GET", "POST"])
def feedback_signed(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """An email's link: GET asks to confirm (mail scanners follow links), POST records it."""
    try:
        user_id, paper_id, kind = services.feedback_token_read(token=token)
    except signing.BadSignature:
        return render(request, "reader/feedback_signed.html", {"invalid": True}, status=400)
    paper = get_object_or_404(Paper, pk=paper_id)
    user = get_object_or_404(get_user_model(), pk=user_id)
    done = request.method == "POST"
    if done:
        services.feedback_set(user=user, paper=paper, kind=kind)
    context = {"paper": paper, "kind": kind, "done": done, "token": token}
    return render(request, "reader/feedback_signed.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def api_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reader's API token: made (or remade, revoking the old) on POST, shown once."""
    token = services.api_token_make(user=request.user) if request.method == "POST" else ""
    return render(request, "reader/api_token.html", {"token": token})
