from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_ratelimit.decorators import ratelimit

from digest import selectors, services
from digest.forms import ManagePreferencesForm, SubscribeForm
from digest.lib.signing import TokenError, token_read
from digest.models import Subscriber
from digest.services import mail
from papers.services.topics import TopicsError, week_parse
from papers.topics.selectors import pulse_for_week, topic_get, topic_page
from papers.trending import WINDOWS, TrendingQuery, trending_formula, trending_papers

View = Callable[..., HttpResponse]


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = selectors.health_report()
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)


# --- Subscriptions ----------------------------------------------------------------------

NEUTRAL = (
    "Thanks. If that address can receive our emails, a message is on its way to it: "
    "follow the link inside to confirm or to manage your subscription."
)


def _link_error(request: HttpRequest, error: TokenError) -> HttpResponse:
    context = {"expired": error.expired}
    return render(request, "digest/subscriptions/link_error.html", context, status=400)


def with_subscriber(purpose: str, *, max_age_setting: str = "") -> Callable[[View], View]:
    """Resolve the signed token of the URL to a subscriber, or answer 400 with a clear page."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, token: str) -> HttpResponse:
            max_age = getattr(settings, max_age_setting) if max_age_setting else None
            try:
                subscriber = selectors.subscriber_for_token(
                    purpose=purpose, token=token, max_age=max_age
                )
            except TokenError as error:
                return _link_error(request, error)
            return view(request, subscriber, token)

        return wrapped

    return decorator


@require_POST
@ratelimit(
    group="subscribe", key="ip", rate=lambda g, r: settings.SUBSCRIBE_RATE_PER_IP, block=False
)
def subscribe(request: HttpRequest) -> HttpResponse:
    template = "digest/subscriptions/subscribe.html"
    if getattr(request, "limited", False):
        context = {"message": "Too many requests from your network; please try again later."}
        # htmx swaps only 2xx answers: it gets the message with 200, a plain form 429.
        return render(request, f"{template}#result", context, status=200 if request.htmx else 429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, template + ("#form" if request.htmx else ""), {"form": form})
    services.subscription_request(**form.cleaned_data)
    partial = "#result" if request.htmx else ""
    return render(request, template + partial, {"message": NEUTRAL})


@require_http_methods(["GET", "POST"])
@with_subscriber("confirm", max_age_setting="DIGEST_CONFIRM_MAX_AGE_S")
def subscription_confirm(request: HttpRequest, subscriber: Subscriber, token: str) -> HttpResponse:
    # GET only shows a button: link scanners that fetch every URL must not confirm.
    if request.method == "POST":
        services.subscription_confirm(subscriber=subscriber)
    context = {"subscriber": subscriber, "confirmed": subscriber.confirmed_at is not None}
    context["preferences_url"] = mail.preferences_url(subscriber=subscriber)
    return render(request, "digest/subscriptions/confirm.html", context)


@require_http_methods(["GET", "POST"])
@with_subscriber("preferences")
def subscription_preferences(
    request: HttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    form = ManagePreferencesForm(
        request.POST or None, initial=_preferences_initial(subscriber), followed=subscriber.topics
    )
    saved = request.method == "POST" and form.is_valid()
    if saved:
        services.subscription_update(subscriber=subscriber, **form.cleaned_data)
    context = {"form": form, "subscriber": subscriber, "token": token, "saved": saved}
    return render(request, "digest/subscriptions/preferences.html", context)


def _preferences_initial(subscriber: Subscriber) -> dict[str, object]:
    fields = ("daily_digest", "weekly_log", "categories", "topics", "paused")
    return {name: getattr(subscriber, name) for name in fields}


@require_POST
@with_subscriber("preferences")
def subscription_delete(request: HttpRequest, subscriber: Subscriber, token: str) -> HttpResponse:
    services.subscriber_delete(subscriber=subscriber)
    return render(request, "digest/subscriptions/deleted.html")


@csrf_exempt  # RFC 8058: mail providers POST here with no session; the token is the proof.
@require_http_methods(["GET", "POST"])
@with_subscriber("unsubscribe")
def subscription_unsubscribe(
    request: HttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    list_name = token_read(purpose="unsubscribe", token=token).list_name
    if request.method == "POST":
        services.subscription_unsubscribe(subscriber=subscriber, list_name=list_name)
    context = {
        "done": request.method == "POST",
        "list_label": Subscriber.Lists(list_name).label if list_name else "all our emails",
        "preferences_url": mail.preferences_url(subscriber=subscriber),
    }
    return render(request, "digest/subscriptions/unsubscribe.html", context)


# --- Pulse of AI, topics, trending ------------------------------------------------------


@require_GET
def pulse(request: HttpRequest, week: str | None = None) -> HttpResponse:
    try:
        week_start = week_parse(week) if week else None
    except TopicsError as error:
        raise Http404(str(error)) from error
    data = pulse_for_week(week_start=week_start)
    if data is None and week_start is not None:
        raise Http404("No topics have been computed for that week.")
    return render(request, "digest/pulse/week.html", {"pulse": data})


@require_GET
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = topic_get(topic_id=topic_id)
    if topic is None:
        raise Http404("No such topic.")
    return render(request, "digest/pulse/topic.html", {"page": topic_page(topic=topic)})


@require_GET
@vary_on_headers("HX-Request")
def trending(request: HttpRequest) -> HttpResponse:
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
    return render(request, f"papers/trending.html{partial}", context)


@require_GET
def about_trending(request: HttpRequest) -> HttpResponse:
    return render(request, "papers/about_trending.html", trending_formula())
