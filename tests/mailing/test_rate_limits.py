"""Rate limits that hold (issue 20, problem 5): counted in PostgreSQL, they keep counting
while the cache is down and count across processes; sign-up and password reset are
limited too."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from mailing.models import Subscriber
from tests.helpers import celery_worker

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "digest.lib.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_with_the_cache_down_the_per_ip_limit_still_holds(settings: Settings) -> None:
    settings.CACHES = CACHE_DOWN
    client = Client(REMOTE_ADDR="198.51.100.20")
    statuses = [
        client.post(
            reverse("subscribe"), {"email": f"r{n}@example.org", "daily_digest": "on"}
        ).status_code
        for n in range(38)
    ]
    assert statuses == [200] * 20 + [429] * 18  # the default 20/h
    assert Subscriber.objects.count() == 20


def test_with_the_cache_down_one_address_gets_no_more_than_its_confirmations(
    settings: Settings, django_capture_on_commit_callbacks: object
) -> None:
    settings.CACHES = CACHE_DOWN
    with django_capture_on_commit_callbacks() as queued:  # type: ignore[operator]
        for n in range(8):
            Client(REMOTE_ADDR=f"203.0.113.{n}").post(
                reverse("subscribe"), {"email": "target@example.org", "daily_digest": "on"}
            )
    assert len(queued) == 3  # the default 3/d: three confirmation emails queued, not eight


COUNT_IN_A_PROCESS = """
import django; django.setup()
from digest.lib.ratelimit import Rate, ratelimit_hit
print(sum(ratelimit_hit(scope="across", key="one-ip", rate=Rate(20, 3600)) for _ in range(15)))
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_count() -> None:
    env = celery_worker.child_environment()
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT_IN_A_PROCESS],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        allowed.append(int(out.strip().splitlines()[-1]))
    assert sum(allowed) == 20  # 30 hits from two processes, 20 allowed between them


def test_sign_up_is_limited_per_client_address(settings: Settings) -> None:
    settings.SIGNUP_RATE_PER_IP = "3/h"
    client = Client(REMOTE_ADDR="198.51.100.30")
    statuses = [
        client.post(reverse("signup"), {"username": f"u{n}", "email": "bad"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert "Too many requests" in client.post(reverse("signup"), {}).content.decode()


def test_password_reset_sends_at_most_its_limit_to_one_address(settings: Settings) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("reader", "reader@example.org", "a-long-test-password")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    answers = {
        Client(REMOTE_ADDR=f"192.0.2.{n}")
        .post(reverse("password_reset"), {"email": "reader@example.org"})
        .status_code
        for n in range(6)
    }
    assert answers == {302}  # the same answer every time, throttled or not
    assert len(mail.outbox) == 3  # the default 3/h per address


def test_password_reset_is_limited_per_client_address(settings: Settings) -> None:
    settings.PASSWORD_RESET_RATE_PER_IP = "2/h"
    client = Client(REMOTE_ADDR="192.0.2.77")
    statuses = [
        client.post(reverse("password_reset"), {"email": f"x{n}@example.org"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
