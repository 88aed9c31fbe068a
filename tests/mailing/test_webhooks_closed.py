"""Webhooks closed by default (issue 20, problem 2).

Without ANYMAIL_WEBHOOK_SECRET no webhook serves, so no unauthenticated POST can bounce,
deactivate or unsubscribe a reader; `check --deploy` refuses production without the
secret (unless webhooks are switched off); junk to any webhook URL is a 4xx, never a 500.
"""

from __future__ import annotations

import base64
import json

import anymail.urls
import pytest
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from mailing.models import Subscriber
from tests.digest.test_config_errors import run_manage
from tests.helpers import celery_worker
from tests.mailing.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

BOUNCE = {"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1, "ID": 1}
UNSUBSCRIBE = {"RecordType": "SubscriptionChange", "SuppressSending": True, "ID": 2}
SECRET = "pm:secret"
AUTH = f"Basic {base64.b64encode(SECRET.encode()).decode()}"
WEBHOOK_URLS = [
    "/anymail/" + str(p.pattern).strip("^$").replace("(_mime)?", "")
    for p in anymail.urls.urlpatterns
]


def post(url: str, body: object, **headers: str) -> int:
    client = Client(raise_request_exception=False)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers).status_code


def test_without_a_secret_an_unauthenticated_bounce_or_unsubscribe_changes_nothing(
    settings: SettingsWrapper,
) -> None:
    settings.ANYMAIL = {}
    readers = [SubscriberFactory(email=f"r{n}@example.org") for n in range(3)]
    statuses = [
        post("/anymail/postmark/tracking/", {**BOUNCE, "Email": readers[0].email}),
        post("/anymail/postmark/tracking/", {**BOUNCE, "Email": readers[1].email}),
        post("/anymail/postmark/tracking/", {**UNSUBSCRIBE, "Recipient": readers[2].email}),
    ]
    assert statuses == [404, 404, 404]
    assert Subscriber.objects.filter(deactivated_at__isnull=True).count() == 3
    assert Subscriber.objects.get(email=readers[2].email).daily_digest is True


def test_switched_off_webhooks_do_not_serve_even_with_a_secret(settings: SettingsWrapper) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.ANYMAIL_WEBHOOKS_ENABLED = False
    reader = SubscriberFactory(email="reader@example.org")
    assert (
        post("/anymail/postmark/tracking/", {**BOUNCE, "Email": reader.email}, Authorization=AUTH)
        == 404
    )
    reader.refresh_from_db()
    assert reader.deactivated_at is None


@pytest.mark.parametrize("url", WEBHOOK_URLS)
@pytest.mark.parametrize("body", ["not json at all", "{}", "[1, 2]", '{"RecordType": 7}'])
def test_every_webhook_answers_junk_with_a_4xx_never_a_500(
    settings: SettingsWrapper, url: str, body: str
) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    status = post(url, body, Authorization=AUTH)
    assert status < 500, (url, body, status)  # an empty event list may be a harmless 200
    if body == "not json at all":
        assert 400 <= status < 500, (url, status)


def production_check(**env: str) -> tuple[int, str]:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DIGEST_ENV="production", SECRET_KEY="production-secret-key-for-tests-" + "k" * 40,
        ALLOWED_HOSTS="digest.example.org", DATABASE_URL=celery_worker.test_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL, **{"ANYMAIL_WEBHOOK_SECRET": "", **env},
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_check_deploy_fails_without_webhook_credentials_with_one_clear_line() -> None:
    code, output = production_check()
    assert code == 1
    errors = [line for line in output.splitlines() if "digest.E001" in line]
    assert len(errors) == 1
    assert "ANYMAIL_WEBHOOK_SECRET is not set" in errors[0]


def test_check_deploy_passes_with_webhook_credentials_or_with_webhooks_switched_off() -> None:
    assert production_check(ANYMAIL_WEBHOOK_SECRET=SECRET)[0] == 0
    assert production_check(ANYMAIL_WEBHOOKS_ENABLED="0")[0] == 0
