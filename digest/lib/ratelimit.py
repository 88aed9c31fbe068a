"""Rate limits counted in PostgreSQL, so that they hold across processes and machines and
while the cache is down (counting in the cache failed open then, and a per-process cache
counted per gunicorn worker).

Fixed windows: a hit is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on the
(scope, key, window) row, atomic under concurrency. Keys are stored hashed (an address
or an IP is never kept in clear). Only public forms are limited this way (sign-up,
subscribe, password reset): a few statements per POST.

The table is ``RateLimitWindow`` (mailing app, the lowest app that limits a form); this
module reaches it by name so that digest.lib stays below every app.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

View = Callable[..., HttpResponseBase]


class _CountedRequest(HttpRequest):
    limited: bool  # set on views that answer over-limit requests themselves (block=False)


TABLE = "mailing_ratelimitwindow"
_RATE = re.compile(r"^\s*(?P<limit>\d+)\s*/\s*(?P<count>\d*)\s*(?P<unit>[smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PURGE_ONE_IN = 200  # hits; old windows are deleted now and then, not on every hit


@dataclass(frozen=True)
class Rate:
    limit: int
    period_s: int


def rate_parse(text: str) -> Rate:
    """``"20/h"``, ``"3/d"``, ``"5/15m"`` -> Rate; ValueError for anything else."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"not a rate like 20/h or 5/15m: {text!r}")
    period = _UNITS[match.group("unit")] * int(match.group("count") or 1)
    return Rate(limit=int(match.group("limit")), period_s=period)


def ratelimit_hit(*, scope: str, key: str, rate: Rate) -> bool:
    """Count one hit for ``key`` in ``scope``; True while it is within the rate's limit."""
    window = int(time.time()) // rate.period_s * rate.period_s
    digest = hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TABLE} AS w (scope, key_hash, window_start, window_end, hits)
            VALUES (%s, %s, to_timestamp(%s), to_timestamp(%s), 1)
            ON CONFLICT (scope, key_hash, window_start) DO UPDATE SET hits = w.hits + 1
            RETURNING hits
            """,
            [scope, digest, window, window + rate.period_s],
        )
        hits = int(cursor.fetchone()[0])
        if random.randrange(_PURGE_ONE_IN) == 0:
            cursor.execute(f"DELETE FROM {TABLE} WHERE window_end < now()")
    return hits <= rate.limit


def client_ip(request: HttpRequest) -> str:
    """The client's address: RATELIMIT_IP_META_KEY (a proxy's header, its first address)
    when configured, else REMOTE_ADDR."""
    meta_key = settings.RATELIMIT_IP_META_KEY
    if meta_key and request.META.get(meta_key):
        return str(request.META[meta_key]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def limit_posts_per_ip(
    *, scope: str, rate_setting: str, block: bool = True
) -> Callable[[View], View]:
    """Count each POST per client address against ``settings.<rate_setting>``.

    Over the limit, ``block`` answers 429 with a page that says so; otherwise the view
    runs with ``request.limited`` set, to answer in its own way.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def limited(request: _CountedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            over = request.method == "POST" and not ratelimit_hit(
                scope=scope,
                key=client_ip(request),
                rate=rate_parse(getattr(settings, rate_setting)),
            )
            if over and block:
                return render(request, "429.html", status=429)
            request.limited = over
            return view(request, *args, **kwargs)

        return limited

    return decorator
