from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.celery_worker
def test_healthz_reports_everything_up_when_a_worker_answers(celery_worker_process) -> None:
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["pgvector"]
    assert body["database"]["server_version"].startswith("16")
    assert body["broker"] == {"ok": True, "transport": "redis"}
    assert celery_worker_process.hostname in body["workers"]["answered"]


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_answers() -> None:
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["database"]["ok"] is True
    assert body["workers"] == {"ok": False, "answered": []}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down() -> None:
    from digest.celery import app

    original = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.broker_write_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


@pytest.mark.django_db
def test_home_page_renders_with_vendored_htmx() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert b"/static/vendor/htmx/htmx.min.js" in response.content
