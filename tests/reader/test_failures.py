"""Failure paths: unknown ids, malformed parameters, pages past the end, a crash."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path
from pytest_django.fixtures import Settings as SettingsWrapper

from digest.urls import urlpatterns as site_urls
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/papers/2699.99999/",
        "/papers/not-an-arxiv-id/",
        "/papers/../../etc/passwd/",
        "/authors/999999/",
        "/authors/1/?page=abc",
        "/categories/cs.CL/?page=2",
        "/categories/cs.CL/?page=-1",
        "/categories/%3Cscript%3E/",
        "/?day=2026-02-30",
        "/?day=26-06-01",
        "/?page=99",
        "/?page=99999999999999999999",
        "/topics/999999/",
        "/pulse/2026-W99/",
        "/pulse/not-a-week/",
        "/feeds/topics/999999.rss",
    ],
)
def test_unknown_or_malformed_addresses_are_404_pages_in_the_site_design(
    client: Client, make_papers: MakePapers, url: str
) -> None:
    make_papers(3)

    response = client.get(url)

    assert response.status_code == 404, url
    if "/feeds/" not in url:
        html = response.content.decode()
        assert "<h1>Not found</h1>" in html and 'class="site-header"' in html


def test_an_htmx_request_past_the_end_of_a_list_is_a_404_not_an_empty_200(
    client: Client, make_papers: MakePapers
) -> None:
    make_papers(3)

    response = client.get("/?page=2", headers={"HX-Request": "true"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "query", ["?q=attention&page=999", "?q=attention&page=0", "?q=attention&date_from=2026-99-01"]
)
def test_search_past_the_end_or_with_a_bad_parameter_is_never_a_500(
    client: Client, make_papers: MakePapers, query: str
) -> None:
    make_papers(3)

    response = client.get(f"/search{query}")

    assert response.status_code in (200, 400, 404), query
    assert 'class="site-header"' in response.content.decode()


def test_an_empty_site_answers_every_list_with_an_empty_state(client: Client) -> None:
    for url, text in [
        ("/", "No papers yet"),
        ("/?window=month", "No papers yet"),
        ("/trending/", "No paper got an upvote, a bookmark or a counted view in this window"),
        ("/search?q=anything", "No papers match"),
    ]:
        response = client.get(url)
        assert response.status_code == 200 and text in response.content.decode(), url


def _crash(request: object) -> None:
    raise RuntimeError("boom")


urlpatterns = [path("crash/", _crash), *site_urls]


def test_an_unexpected_error_is_a_500_page_in_the_site_design(
    settings: SettingsWrapper,
) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__

    response = Client(raise_request_exception=False).get("/crash/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "/static/css/site.css" in html
    assert "boom" not in html and "Traceback" not in html
