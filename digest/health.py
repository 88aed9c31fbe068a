"""``/healthz``: the database (and pgvector), the broker, whether a worker answers, and the
cache (reported; its outage degrades the site but does not fail it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from digest.celery import app

WORKER_PING_TIMEOUT_S = 1.0


@dataclass
class Health:
    database: dict[str, Any] = field(default_factory=dict)
    broker: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Serving: a cache outage costs speed, not pages, so it degrades, never fails."""
        return all(part.get("ok") for part in (self.database, self.broker, self.workers))

    def as_dict(self) -> dict[str, Any]:
        status = "down" if not self.ok else "ok" if self.cache.get("ok") else "degraded"
        return {"status": status, **asdict(self)}


def health_report() -> Health:
    """Check the database (and pgvector), the broker, and whether a worker answers a ping."""
    return Health(
        database=_database_health(),
        broker=_broker_health(),
        workers=_worker_health(),
        cache=_cache_health(),
    )


def _database_health() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            server_version = cursor.fetchone()[0]
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the text says why
        return {"ok": False, "error": str(exc).strip().splitlines()[0]}
    return {
        "ok": row is not None,
        "embedded": settings.EMBEDDED_DATABASE,
        "server_version": server_version,
        "pgvector": row[0] if row else None,
        **({} if row else {"error": "the vector extension is not installed (run migrate)"}),
    }


def _broker_health() -> dict[str, Any]:
    transport = app.conf.broker_url.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": str(exc).strip()[:200]}
    return {"ok": True, "transport": transport}


def _cache_health() -> dict[str, Any]:
    """One PING through the cache's circuit breaker (an open breaker answers at once)."""
    backend = caches["default"]
    health = getattr(backend, "health", None)
    if health is None:  # a local-memory cache (development): nothing to reach
        return {"ok": True, "backend": type(backend).__name__}
    return {"backend": type(backend).__name__, **health()}


def _worker_health() -> dict[str, Any]:
    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT_S)
    except Exception as exc:
        return {"ok": False, "answered": [], "error": str(exc).strip()[:200]}
    names = sorted(name for reply in replies or [] for name in reply)
    return {"ok": bool(names), "answered": names}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)
