"""The read API: every endpoint, pagination, token errors, rate limits, a valid schema."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate
from pytest_django.fixtures import Settings as SettingsWrapper

from papers.models import Paper, PaperEmbedding, Topic
from reader.models import Bookmark
from reader.services import api_token_make
from search.services import bm25_index_papers
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_rate(settings: SettingsWrapper) -> None:
    settings.API_RATE = "1000/m"


def _json(client: Client, url: str, status: int = 200, **headers: str) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_schema_is_valid_openapi_and_names_every_endpoint(client: Client) -> None:
    schema = _json(client, "/api/v1/openapi.json")

    validate(schema)
    assert set(schema["paths"]) == {
        "/api/v1/papers", "/api/v1/papers/{arxiv_id}", "/api/v1/trending", "/api/v1/topics",
        "/api/v1/logs", "/api/v1/search", "/api/v1/me/feed",
    }  # fmt: skip
    assert schema["paths"]["/api/v1/me/feed"]["get"]["security"] == [{"TokenAuth": []}]


def test_papers_are_paginated_newest_first(client: Client, make_papers: MakePapers) -> None:
    made = make_papers(25)
    Paper.objects.filter(pk=made[0].pk).update(announced_on=timezone.localdate() + timedelta(1))

    first = _json(client, "/api/v1/papers")
    second = _json(client, "/api/v1/papers?page=2")

    assert first["count"] == 25 and len(first["items"]) == 20 and len(second["items"]) == 5
    top = first["items"][0]
    assert top["arxiv_id"] == made[0].arxiv_id
    assert top["authors"] == ["Writer 0-0", "Writer 0-1"]
    assert top["url"] == f"/papers/{made[0].arxiv_id}/" and top["categories"] == ["cs.CL"]
    assert _json(client, "/api/v1/papers?category=cs.CV")["count"] == 0


def test_one_paper_or_a_404(client: Client, make_papers: MakePapers) -> None:
    (paper,) = make_papers(1)

    assert _json(client, f"/api/v1/papers/{paper.arxiv_id}")["title"] == paper.title_text
    assert _json(client, "/api/v1/papers/2601.99999", 404) == {"detail": "No such paper."}


def test_trending_lists_the_days_ranking_with_reasons(
    client: Client, make_papers: MakePapers
) -> None:
    papers = make_papers(3)

    data = _json(client, "/api/v1/trending?window=day")

    ids = [item["paper"]["arxiv_id"] for item in data["items"]]
    assert ids[0] == papers[0].arxiv_id and sorted(ids) == sorted(p.arxiv_id for p in papers)
    assert [item["rank"] for item in data["items"]] == [1, 2, 3] and data["items"][0]["reason"]
    assert _json(client, "/api/v1/trending?window=year", 400)["detail"].startswith("window")


def test_topics_of_the_latest_week(client: Client, topic: Topic) -> None:
    data = _json(client, "/api/v1/topics")

    assert data["count"] == 1 and data["items"][0]["label"] == "sparse, attention"
    assert data["items"][0]["url"] == f"/topics/{topic.pk}/"
    assert _json(client, "/api/v1/topics?week=2001-01-01", 404)["detail"].startswith("No topics")


def test_logs_list_is_paginated_and_empty_when_none_published(client: Client) -> None:
    assert _json(client, "/api/v1/logs") == {"items": [], "count": 0}


def test_search_joins_the_api_and_answers_as_api_search(
    client: Client, make_papers: MakePapers
) -> None:
    make_papers(3)
    bm25_index_papers()

    data = _json(client, "/api/v1/search?q=attention&mode=keyword")
    old = _json(client, "/api/search?q=attention&mode=keyword")

    assert data["total"] == old["total"] == 3
    assert [r["arxiv_id"] for r in data["results"]] == [r["arxiv_id"] for r in old["results"]]
    assert "after:" in _json(client, "/api/v1/search?q=after:2026-13-99", 400)["detail"]


def test_the_feed_needs_a_valid_token(client: Client, make_papers: MakePapers) -> None:
    papers = make_papers(3)
    user = User.objects.create_user("ada", "ada@example.org", "pw-long-enough-1")
    for n, paper in enumerate(papers):
        vector = [0.0] * 384
        vector[0], vector[n + 1] = 1.0, 0.5
        PaperEmbedding.objects.create(
            paper=paper, model_name=settings.EMBEDDING_MODEL, vector=vector, text_hash="x"
        )
    Bookmark.objects.create(user=user, paper=papers[0])
    old = api_token_make(user=user)
    token = api_token_make(user=user)

    assert _json(client, "/api/v1/me/feed", 401) == {"detail": "Unauthorized"}
    bad = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
    revoked = {"HTTP_AUTHORIZATION": f"Bearer {old}"}
    assert _json(client, "/api/v1/me/feed", 401, **bad)["detail"] == "Unauthorized"
    assert _json(client, "/api/v1/me/feed", 401, **revoked)["detail"] == "Unauthorized"
    good = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    data = _json(client, "/api/v1/me/feed?window=week", **good)
    assert data["count"] == 2
    assert all(item["reason"].endswith("which you bookmarked") for item in data["items"])
    assert _json(client, "/api/v1/me/feed?window=year", 400, **good)["detail"].startswith("window")
    user.is_active = False
    user.save()
    assert _json(client, "/api/v1/me/feed", 401, **good)["detail"] == "Unauthorized"


def test_the_token_page_shows_a_new_token_once(client: Client) -> None:
    user = User.objects.create_user("ada", "ada@example.org", "pw-long-enough-1")
    client.force_login(user)

    page = client.post("/me/api-token/").content.decode()
    token = page.split('id="api-token">', 1)[1].split("<", 1)[0]

    assert len(token) >= 40 and token not in client.get("/me/api-token/").content.decode()
    assert client.get("/api/v1/me/feed", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_requests_over_the_rate_are_refused_with_retry_after(
    client: Client, settings: SettingsWrapper, make_papers: MakePapers
) -> None:
    settings.API_RATE = "3/m"
    user = User.objects.create_user("ada", "ada@example.org", "pw-long-enough-1")
    token = {"HTTP_AUTHORIZATION": f"Bearer {api_token_make(user=user)}"}

    answers = [client.get("/api/v1/papers").status_code for _ in range(4)]
    refused = client.get("/api/v1/trending")
    personal = [client.get("/api/v1/me/feed", **token).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert refused.json() == {"detail": "Too many requests; slow down."}
    assert personal == [200, 200, 200, 429]  # counted per token, apart from the address


def test_dates_in_papers_are_iso(client: Client, make_papers: MakePapers) -> None:
    (paper,) = make_papers(1)
    item = _json(client, "/api/v1/papers")["items"][0]
    assert date.fromisoformat(item["announced_on"]) == paper.announced_on
