"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache only ever holds what can be recomputed (listings, topic choices) or counted
approximately (view de-duplication, rate-limit counters), so an outage must cost speed,
never a page: reads miss, writes are dropped, ``add`` refuses and counters count nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY_S = 60.0


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def _degraded(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= _WARN_EVERY_S:
            ResilientRedisCache._last_warning = now
            logger.warning("cache unavailable (%s failed: %s); serving without it", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("get_many", exc)
            return {}

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("add", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("incr", exc)
            return 0

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _OUTAGE_ERRORS as exc:
            self._degraded("delete", exc)
            return False
