"""django-axes' login throttling, for logins that come over HTTP.

Axes refuses an ``authenticate()`` call without a request; Django's test client (and a
shell) log in that way. A call without a request is not a login form anyone can reach,
so it is passed on to the next backend unthrottled; every login over HTTP is counted.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None
