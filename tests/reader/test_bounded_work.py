"""Bounded work and clear failures (issue 20, problems 7 and 8).

A statement that runs past the web statement timeout is cancelled and answered with a
503 page; a search of exclusions alone is refused with a message; a NUL in a parameter is
a 400; everything under /api/ answers JSON, the database down included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tests.helpers import celery_worker
from tests.reader.conftest import MakePapers


@contextmanager
def web_statement_timeout(milliseconds: int) -> Iterator[None]:
    """This process's connections as gunicorn's are (digest.wsgi), for the test's length."""
    from digest.lib.failures import web_statement_timeout_install, web_statement_timeout_remove

    web_statement_timeout_install(milliseconds=milliseconds)
    connection.close()
    try:
        yield
    finally:
        web_statement_timeout_remove()
        connection.close()


@contextmanager
def papers_table_locked() -> Iterator[None]:
    """Another session holds the papers table: every read of it waits, as behind a slow
    query, until the lock goes."""
    other = psycopg.connect(
        celery_worker.test_database_url().replace("postgres://", "postgresql://")
    )
    other.execute("BEGIN")
    other.execute("LOCK TABLE papers_paper IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


@contextmanager
def database_unreachable() -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")  # nothing listens on port 1
    try:
        yield
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_running_into_the_statement_timeout_gets_a_503_page_not_a_pinned_core(
    make_papers: MakePapers,
) -> None:
    make_papers(3)
    with web_statement_timeout(300), papers_table_locked():
        response = Client(raise_request_exception=False).get("/")
        api = Client(raise_request_exception=False).get("/api/search?q=learning")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "This request took too long" in response.content.decode()
    assert api.status_code == 503 and api["Content-Type"] == "application/json"
    assert json.loads(api.content)["error"].startswith("This request took too long")
    # The cancelled statement left nothing behind: the next request is served.
    assert Client().get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_timeout_is_set_on_every_connection_of_a_web_process() -> None:
    with web_statement_timeout(1234):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "1234ms"
        seen: list[str] = []

        def other_thread() -> None:  # BM25's pool threads have connections of their own
            from django.db import connections

            with connections["default"].cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
            connections.close_all()

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen == ["1234ms"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # workers and commands are not limited


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["-x", "--", "-attention -transformer", '-"a phrase"'])
def test_a_search_of_exclusions_alone_is_refused_with_a_message(
    client: Client, make_papers: MakePapers, query: str
) -> None:
    make_papers(3)

    page = client.get("/search", {"q": query})
    api = client.get("/api/search", {"q": query})

    assert page.status_code == 400
    assert "a minus sign excludes papers from a search" in page.content.decode()
    assert api.status_code == 400
    assert "add a word to search for" in json.loads(api.content)["error"]


@pytest.mark.django_db
def test_an_exclusion_next_to_a_word_still_searches(
    client: Client, make_papers: MakePapers
) -> None:
    make_papers(3)
    assert client.get("/search", {"q": "learning -diffusion"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/trending/?cat=%00", "/search?q=a%00b", "/?day=%00", "/api/search?q=%00"]
)
def test_a_nul_character_in_a_parameter_is_a_400_not_a_500(client: Client, url: str) -> None:
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/api/nothing-here", 404), ("post", "/api/search", 405)],
)
def test_every_api_error_is_json(method: str, url: str, status: int) -> None:
    response = getattr(Client(raise_request_exception=False), method)(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == status


@pytest.mark.django_db(transaction=True)
def test_the_search_api_answers_json_when_the_database_is_down() -> None:
    with database_unreachable():
        api = Client(raise_request_exception=False).get("/api/search?q=learning")
        page = Client(raise_request_exception=False).get("/search?q=learning")

    assert api.status_code == 503 and api["Content-Type"] == "application/json"
    assert "database cannot be reached" in json.loads(api.content)["error"]
    assert page.status_code == 503 and "Temporarily unavailable" in page.content.decode()
