"""Request types for views: what django-htmx's middleware and login_required add.

django-htmx sets ``request.htmx`` on every request; a view behind ``login_required``
sees an authenticated ``User``. Annotating a view with these types lets mypy check what
it reads, without casts in the view.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request past ``login_required``: the user is a signed-in account."""

    user: User
