from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from digest.lib.threads import run_on_every_thread
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.faults import fault_lines, fault_results_write

# The OpenAI-compatible test server and client (openai_server, openai_llm) for every test.
pytest_plugins = ["tests.helpers.openai_server"]


def pytest_configure(config: pytest.Config) -> None:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis is not reachable at {settings.REDIS_URL} ({exc}); start it or set REDIS_URL.",
            returncode=2,
        )


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """pytest-django's test database, and before it is dropped (PostgreSQL refuses while
    anyone is connected) the connections BM25's pool threads keep (search.bm25)."""
    yield
    run_on_every_thread("bm25", connections.close_all)


@pytest.fixture
def celery_worker_process(transactional_db: None) -> CeleryWorker:
    """A real `celery worker` process on Redis, using the test database."""
    with CeleryWorker(queues=("default", "harvest", "embed", "mail")) as worker:
        yield worker


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault scenarios' figures (tests that SIGKILL workers), where a reader sees them."""
    lines = fault_lines()
    if lines:
        terminalreporter.section("fault scenarios: worker SIGKILLed, recovery by the system")
        for line in lines:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"figures written to {fault_results_write()}")
