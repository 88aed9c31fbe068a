"""A Redis cache that degrades instead of failing, and fails fast when Redis is unwell.

The cache only ever holds what can be recomputed (listings, topic choices) or is
approximate (view de-duplication), so an outage must cost speed, never a page: reads miss,
writes are dropped, ``add`` refuses and counters count nothing. (Rate limits do not count
here: ``digest.lib.ratelimit`` counts in PostgreSQL.)

A Redis that accepts connections but never answers would make every cache call wait for
its socket timeout. Short timeouts bound one call; a circuit breaker (pybreaker), shared
by every thread of the process, bounds the rest: after ``fail_max`` outage errors in a
row it opens, and for ``reset_timeout`` seconds every call is answered as in an outage
without touching the network. Then one call is let through; if it succeeds the breaker
closes. Options: ``OPTIONS["CIRCUIT_BREAKER"] = {"fail_max": 2, "reset_timeout": 30}``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
_DEGRADED = (*_OUTAGE_ERRORS, pybreaker.CircuitBreakerError)
_WARN_EVERY_S = 60.0
DEFAULT_BREAKER = {"fail_max": 2, "reset_timeout": 30}

_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def _not_an_outage(exc: BaseException) -> bool:
    """A missing key (ValueError from incr) or a bad value is Redis working: not counted."""
    return not isinstance(exc, _OUTAGE_ERRORS)


def cache_breaker(location: str, **options: Any) -> pybreaker.CircuitBreaker:
    """The process-wide breaker of the cache at ``location`` (one for all its threads)."""
    with _breakers_lock:
        if location not in _breakers:
            settings = {**DEFAULT_BREAKER, **options}
            _breakers[location] = pybreaker.CircuitBreaker(
                fail_max=int(settings["fail_max"]),
                reset_timeout=float(settings["reset_timeout"]),
                exclude=[_not_an_outage],
                name=f"cache {location}",
            )
        return _breakers[location]


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        breaker_options = options.pop("CIRCUIT_BREAKER", {})
        super().__init__(server, {**params, "OPTIONS": options})
        self.breaker = cache_breaker(str(server), **breaker_options)

    def health(self) -> dict[str, Any]:
        """Whether the cache answers now (one PING, through the breaker), for /healthz."""
        state = self.breaker.current_state
        try:
            self._guarded(lambda: self._cache.get_client(write=False).ping())
        except _DEGRADED as exc:
            return {"ok": False, "breaker": self.breaker.current_state, "error": str(exc)[:200]}
        return {"ok": True, "breaker": state}

    def _guarded(self, call: Callable[[], T]) -> T:
        return self.breaker.call(call)

    def _degraded(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= _WARN_EVERY_S:
            ResilientRedisCache._last_warning = now
            logger.warning("cache unavailable (%s failed: %s); serving without it", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return self._guarded(
                lambda: super(ResilientRedisCache, self).get(key, default, version)
            )
        except _DEGRADED as exc:
            self._degraded("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version))
        except _DEGRADED as exc:
            self._degraded("get_many", exc)
            return {}

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            self._guarded(
                lambda: super(ResilientRedisCache, self).set(key, value, timeout, version)
            )
        except _DEGRADED as exc:
            self._degraded("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return self._guarded(
                lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
            )
        except _DEGRADED as exc:
            self._degraded("add", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return self._guarded(lambda: super(ResilientRedisCache, self).incr(key, delta, version))
        except _DEGRADED as exc:
            self._degraded("incr", exc)
            return 0

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return self._guarded(lambda: super(ResilientRedisCache, self).delete(key, version))
        except _DEGRADED as exc:
            self._degraded("delete", exc)
            return False
