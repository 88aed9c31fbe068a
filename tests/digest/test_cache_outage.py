from __future__ import annotations

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
    # Rate limits fail open: a reader can still subscribe while the counters are down.
    response = client.post("/subscribe/", {"email": "a@example.org", "daily_digest": "on"})
    assert response.status_code == 200
    assert Subscriber.objects.filter(email="a@example.org").exists()
