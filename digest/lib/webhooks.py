"""The provider's webhooks (django-anymail), closed unless authenticated.

Anymail accepts an unauthenticated POST when ``ANYMAIL["WEBHOOK_SECRET"]`` is unset (it
only warns), and a bounce or an unsubscribe it accepts deactivates a reader. So the
webhook URLs answer 404 unless a secret is configured (and ``ANYMAIL_WEBHOOKS_ENABLED``
is on); ``check --deploy`` reports the missing secret as an error (``webhook_check``).

Whatever a webhook is sent, it answers 4xx for bad input, never 500: a malformed body
raises inside the provider's parser, and a 500 makes the provider retry junk forever.
A database outage still propagates (a 503 from ``digest.lib.failures``), so that the
provider retries a real event later instead of dropping it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
MISSING_SECRET = (
    "ANYMAIL_WEBHOOK_SECRET is not set, so the bounce/unsubscribe webhooks would accept "
    "anyone's POST: set it (user:password, also given to the provider) or set "
    "ANYMAIL_WEBHOOKS_ENABLED=0."
)


def webhooks_open() -> bool:
    """Whether the webhook URLs serve: enabled, and behind a shared secret."""
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    return bool(settings.ANYMAIL_WEBHOOKS_ENABLED and anymail.get("WEBHOOK_SECRET"))


def webhook_guard(view: View) -> View:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not webhooks_open():
            return JsonResponse({"error": "webhooks are disabled", "status": 404}, status=404)
        try:
            response = view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # the provider's parser choking on junk
            logger.warning("webhook %s refused a malformed request: %r", request.path, exc)
            return JsonResponse({"error": "malformed webhook request", "status": 400}, status=400)
        if response.status_code >= 500:
            return JsonResponse({"error": "webhook request refused", "status": 400}, status=400)
        return response

    return guarded


def guarded_urlpatterns(patterns: list[URLPattern | URLResolver]) -> list[URLPattern]:
    """``patterns`` (anymail.urls) with every view behind ``webhook_guard``."""
    guarded = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            raise TypeError(f"nested URL resolver {pattern!r} is not guarded")
        guarded.append(
            URLPattern(
                pattern.pattern, webhook_guard(pattern.callback), pattern.default_args, pattern.name
            )
        )
    return guarded


def webhook_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Deploy check: webhooks enabled without a secret is an error, not a warning."""
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if settings.ANYMAIL_WEBHOOKS_ENABLED and not anymail.get("WEBHOOK_SECRET"):
        return [Error(MISSING_SECRET, id="digest.E001")]
    return []
