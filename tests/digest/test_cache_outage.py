from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django.fixtures import Settings

from mailing.models import Subscriber
from tests.papers.factories import PaperFactory

UNREACHABLE = {
    "default": {
        "BACKEND": "digest.lib.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


class HungRedis:
    """A server that accepts connections and reads requests but never answers, as a
    Redis stuck in a long command or behind a broken network path does."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = 0
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.05)
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _ = self.server.accept()
                conn.setblocking(False)
                self.connections.append(conn)
            for conn in self.connections:
                with contextlib.suppress(BlockingIOError, OSError):
                    self.received += len(conn.recv(65536))

    def settled(self) -> int:
        """Bytes received, once all that was sent has arrived (the loop reads every 50 ms;
        under load a read can lag the request that sent it)."""
        seen = -1
        while seen != self.received:
            seen = self.received
            time.sleep(0.3)
        return seen

    def close(self) -> None:
        self._stop.set()
        self.thread.join()
        for conn in self.connections:
            conn.close()
        self.server.close()


def resilient_cache(location: str, *, reset_s: float = 30.0) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "digest.lib.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {
                "socket_connect_timeout": 0.2,
                "socket_timeout": 0.2,
                "CIRCUIT_BREAKER": {"fail_max": 2, "reset_timeout": reset_s},
            },
        }
    }


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    server = HungRedis()
    yield server
    server.close()


def test_a_hung_cache_is_called_twice_then_left_alone_while_the_breaker_is_open(
    settings: Settings, hung_redis: HungRedis
) -> None:
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{hung_redis.port}/0")
    cache = caches["default"]
    assert cache.get("a", "miss") == "miss"
    assert cache.get("b", "miss") == "miss"  # the second timeout opens the breaker
    sent_while_closed = hung_redis.settled()
    assert sent_while_closed > 0

    results = [cache.get(f"k{n}", "miss") for n in range(50)] + [cache.add("x", 1)]

    assert results == ["miss"] * 50 + [False]
    assert cache.breaker.current_state == "open"
    time.sleep(0.1)
    assert hung_redis.received == sent_while_closed  # not one more byte sent to Redis


@pytest.mark.django_db
def test_pages_are_served_without_calling_a_hung_cache_once_the_breaker_opens(
    client: Client, settings: Settings, hung_redis: HungRedis
) -> None:
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{hung_redis.port}/1")
    paper = PaperFactory()
    assert client.get("/").status_code == 200  # pays the timeouts that open the breaker
    sent = hung_redis.settled()
    for url in ("/", f"/papers/{paper.arxiv_id}/", "/search?q=learning", "/trending/"):
        assert client.get(url).status_code == 200, url
    assert hung_redis.settled() == sent


def test_the_breaker_closes_again_when_redis_comes_back(settings: Settings) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free now, and nothing listens on it
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{port}/0", reset_s=0.5)
    cache = caches["default"]
    cache.set("k", 1)
    cache.set("k", 1)
    assert cache.breaker.current_state == "open"
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        time.sleep(0.6)  # the breaker's reset timeout: the next call is a trial
        cache.set("k", 2)
        assert cache.breaker.current_state == "closed"
        assert cache.get("k") == 2
    finally:
        redis_server.terminate()
        redis_server.wait(10)


def test_an_unreachable_cache_misses_refuses_and_counts_nothing(
    settings: Settings,
) -> None:
    settings.CACHES = UNREACHABLE
    cache = caches["default"]
    cache.set("k", 1)
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["k"]) == {}
    assert cache.add("k", 1) is False
    assert cache.incr("k") == 0
    assert cache.delete("k") is False


def test_a_working_cache_still_behaves_like_django_s() -> None:
    cache = caches["default"]
    assert cache.add("fresh", 1) is True and cache.add("fresh", 2) is False
    assert cache.incr("fresh") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")


@pytest.mark.django_db
def test_pages_are_served_while_the_cache_is_down(client: Client, settings: Settings) -> None:
    settings.CACHES = UNREACHABLE
    paper = PaperFactory()
    for url in ("/", f"/papers/{paper.arxiv_id}/", "/search?q=learning"):
        assert client.get(url).status_code == 200, url
    # Rate limits count in the database: a reader can still subscribe (and is still
    # counted) while the cache is down.
    response = client.post("/subscribe/", {"email": "a@example.org", "daily_digest": "on"})
    assert response.status_code == 200
    assert Subscriber.objects.filter(email="a@example.org").exists()


@pytest.mark.celery_worker
def test_healthz_reports_a_hung_cache_as_degraded_and_the_open_breaker(
    settings: Settings, hung_redis: HungRedis, celery_worker_process: object
) -> None:
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{hung_redis.port}/2")
    first = Client().get("/healthz").json()
    second = Client().get("/healthz").json()
    third = Client().get("/healthz")

    assert first["cache"]["ok"] is False and "Timeout" in first["cache"]["error"]
    assert second["cache"]["breaker"] == "open"
    assert third.status_code == 200  # the site serves without its cache: degraded, not down
    assert third.json()["status"] == "degraded"
    assert third.json()["cache"] == {
        "ok": False,
        "backend": "ResilientRedisCache",
        "breaker": "open",
        "error": third.json()["cache"]["error"],
    }


def test_healthz_reports_a_working_cache(celery_worker_process: object) -> None:
    body = Client().get("/healthz").json()
    assert body["cache"] == {"ok": True, "backend": "ResilientRedisCache", "breaker": "closed"}
    assert body["status"] == "ok"


@pytest.mark.celery_worker
def test_healthz_reports_an_unreachable_cache_as_degraded(
    settings: Settings, celery_worker_process: object
) -> None:
    settings.CACHES = UNREACHABLE

    response = Client().get("/healthz")

    assert response.status_code == 200  # degraded, not down: pages are served without it
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False and body["cache"]["error"]
    assert body["database"]["ok"] and body["workers"]["ok"]
