"""Subscription pages: subscribe, confirm, preferences, delete, one-click unsubscribe.

Each page after the first is reached through a signed link from an email
(``digest.lib.signing``); a tampered, expired or revoked link gets a clear 400 page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from digest.lib.ratelimit import limit_posts_per_ip
from digest.lib.request_types import HtmxHttpRequest
from digest.lib.signing import TokenError, token_read
from mailing import selectors
from mailing.forms import ManagePreferencesForm, SubscribeForm
from mailing.models import Subscriber
from mailing.services import mail, subscriptions

View = Callable[..., HttpResponse]


NEUTRAL = (
    "Thanks. If that address can receive our emails, a message is on its way to it: "
    "follow the link inside to confirm or to manage your subscription."
)


def _link_error(request: HtmxHttpRequest, error: TokenError) -> HttpResponse:
    context = {"expired": error.expired}
    return render(request, "mailing/subscriptions/link_error.html", context, status=400)


def with_subscriber(purpose: str, *, max_age_setting: str = "") -> Callable[[View], View]:
    """Resolve the signed token of the URL to a subscriber, or answer 400 with a clear page."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HtmxHttpRequest, token: str) -> HttpResponse:
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


@require_http_methods(["GET", "POST"])
@limit_posts_per_ip(scope="subscribe", rate_setting="SUBSCRIBE_RATE_PER_IP", block=False)
def subscribe(request: HtmxHttpRequest) -> HttpResponse:
    template = "mailing/subscriptions/subscribe.html"
    if request.method == "GET":  # a page of its own, to link to from anywhere
        return render(request, template, {"form": SubscribeForm()})
    if getattr(request, "limited", False):
        context = {"message": "Too many requests from your network; please try again later."}
        # htmx swaps only 2xx answers: it gets the message with 200, a plain form 429.
        return render(request, f"{template}#result", context, status=200 if request.htmx else 429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, template + ("#form" if request.htmx else ""), {"form": form})
    subscriptions.subscription_request(**form.cleaned_data)
    partial = "#result" if request.htmx else ""
    return render(request, template + partial, {"message": NEUTRAL})


@require_http_methods(["GET", "POST"])
@with_subscriber("confirm", max_age_setting="DIGEST_CONFIRM_MAX_AGE_S")
def subscription_confirm(
    request: HtmxHttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    # GET only shows a button: link scanners that fetch every URL must not confirm.
    if request.method == "POST":
        subscriptions.subscription_confirm(subscriber=subscriber)
    context = {"subscriber": subscriber, "confirmed": subscriber.confirmed_at is not None}
    context["preferences_url"] = mail.preferences_url(subscriber=subscriber)
    return render(request, "mailing/subscriptions/confirm.html", context)


@require_http_methods(["GET", "POST"])
@with_subscriber("preferences")
def subscription_preferences(
    request: HtmxHttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    form = ManagePreferencesForm(
        request.POST or None, initial=_preferences_initial(subscriber), followed=subscriber.topics
    )
    saved = request.method == "POST" and form.is_valid()
    if saved:
        subscriptions.subscription_update(subscriber=subscriber, **form.cleaned_data)
    context = {"form": form, "subscriber": subscriber, "token": token, "saved": saved}
    return render(request, "mailing/subscriptions/preferences.html", context)


def _preferences_initial(subscriber: Subscriber) -> dict[str, object]:
    fields = ("daily_digest", "weekly_log", "categories", "topics", "paused")
    return {name: getattr(subscriber, name) for name in fields}


@require_POST
@with_subscriber("preferences")
def subscription_delete(
    request: HtmxHttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    subscriptions.subscriber_delete(subscriber=subscriber)
    return render(request, "mailing/subscriptions/deleted.html")


@csrf_exempt  # RFC 8058: mail providers POST here with no session; the token is the proof.
@require_http_methods(["GET", "POST"])
@with_subscriber("unsubscribe")
def subscription_unsubscribe(
    request: HtmxHttpRequest, subscriber: Subscriber, token: str
) -> HttpResponse:
    list_name = token_read(purpose="unsubscribe", token=token).list_name
    if request.method == "POST":
        subscriptions.subscription_unsubscribe(subscriber=subscriber, list_name=list_name)
    context = {
        "done": request.method == "POST",
        "list_label": Subscriber.Lists(list_name).label if list_name else "all our emails",
        "preferences_url": mail.preferences_url(subscriber=subscriber),
    }
    return render(request, "mailing/subscriptions/unsubscribe.html", context)
