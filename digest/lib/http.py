"""HTTP client for harvesting: timeouts, polite pacing, retries with backoff.

Returns bytes; parsing lives elsewhere. It honours ``Retry-After`` (seconds or an HTTP
date) and the IETF ``RateLimit`` header that Hugging Face sends with 429 responses
(``"api";r=0;t=55``: wait ``t`` seconds), and otherwise backs off exponentially.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from lxml import etree

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "ResearchDigest/0.1 (+https://github.com/research-digest; open-source paper digest)"
_RATELIMIT_RESET = re.compile(r"(?:^|;)\s*t=(\d+)")


class FetchError(Exception):
    """The resource could not be fetched after all retries; ``status`` is the last HTTP status."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, reason: str = ""
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.reason = reason  # the server's own explanation, when it gave one


@dataclass
class HttpClient:
    min_interval_s: float = 0.0
    timeout_s: float = 30.0
    max_attempts: int = 5
    backoff_base_s: float = 2.0
    backoff_max_s: float = 120.0
    sleep: Callable[[float], None] = field(default=lambda seconds: time.sleep(seconds))
    session: requests.Session = field(default_factory=requests.Session)
    _last_request_at: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.session.headers.setdefault("User-Agent", USER_AGENT)

    def get(self, url: str, *, params: Mapping[str, str | int] | None = None) -> bytes:
        """GET ``url`` and return the body; retry transient failures, raise FetchError."""
        last_error = ""
        status: int | None = None
        for attempt in range(1, self.max_attempts + 1):
            self._pace()
            try:
                response = self.session.get(url, params=params, timeout=self.timeout_s)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error, status, wait = f"{type(exc).__name__}: {exc}", None, None
            else:
                status = response.status_code
                if status < 400:
                    return response.content
                if status not in RETRY_STATUSES:
                    reason = error_reason(response.content)
                    raise FetchError(
                        f"HTTP {status} from {url}" + (f": {reason}" if reason else ""),
                        url=url,
                        status=status,
                        reason=reason,
                    )
                last_error, wait = f"HTTP {status}", server_requested_wait(response.headers)
            if attempt == self.max_attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            logger.warning("GET %s failed (%s); retry %d in %.1fs", url, last_error, attempt, delay)
            self.sleep(delay)
        raise FetchError(
            f"GET {url} failed after {self.max_attempts} attempts: {last_error}",
            url=url,
            status=status,
        )

    def _pace(self) -> None:
        if self.min_interval_s <= 0:
            return
        wait = self._last_request_at + self.min_interval_s - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request_at = time.monotonic()

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (attempt - 1))
        return delay * random.uniform(0.8, 1.2)


def error_reason(body: bytes, *, limit: int = 300) -> str:
    """The server's own words for an error: arXiv's Atom ``<summary>``, a JSON ``error``."""
    text = body[:20_000].decode("utf-8", "replace").strip()
    if not text:
        return ""
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in ("error", "message", "detail"):
                if isinstance(data.get(key), str):
                    return _squeeze(data[key], limit)
    if text.startswith("<"):
        try:
            root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            found = root.xpath("//*[local-name()='summary' or local-name()='error']/text()")
            summaries = [str(text) for text in found] if isinstance(found, list) else []
            return _squeeze(" ".join(summaries), limit) if summaries else ""
        return ""
    return _squeeze(text, limit)


def _squeeze(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def server_requested_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (Retry-After or RateLimit), if it said."""
    retry_after = headers.get("Retry-After")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after)
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    ratelimit = headers.get("RateLimit")
    if ratelimit:
        match = _RATELIMIT_RESET.search(ratelimit)
        if match:
            return float(match.group(1))
    return None
