"""Bad configuration stops every entry point with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    child_env.update(
        DJANGO_SETTINGS_MODULE="digest.settings", DIGEST_DATA_DIR=str(settings.DATA_DIR)
    )
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=child_env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://user@localhost/db"),
        ("DATABASE_URL", "postgres://user@localhost:99999/db"),
        ("DATABASE_URL", "postgres://user@localhost"),
        ("CELERY_BROKER_URL", "kafka://localhost:9092"),
        ("CELERY_BROKER_URL", "redis://:6379/0"),
        ("DIGEST_ENV", "staging"),
        ("EMBEDDING_WINDOW", "0"),
        ("EMBEDDING_BATCH_SIZE", "-4"),
        ("EMBEDDING_PRECISION", "fp16"),
        ("EMBEDDING_HEAP_RETAIN_MB", "4096"),
        ("BM25_BULK_MEMORY", "lots"),
        ("SEARCH_BM25_PARTS", "0"),
        ("CELERY_VISIBILITY_TIMEOUT", "600"),  # under the 30-minute task time limit
    ],
)
def test_a_malformed_setting_gives_one_clear_line(variable: str, value: str) -> None:
    result = run_manage("check", **{variable: value})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable} ")


@pytest.mark.parametrize(
    ("missing", "env"),
    [
        ("SECRET_KEY", {"ALLOWED_HOSTS": "digest.example.org", "DATABASE_URL": "postgres://u@h/d"}),
        ("ALLOWED_HOSTS", {"SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://u@h/d"}),
        ("DATABASE_URL", {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "digest.example.org"}),
    ],
)
def test_a_missing_production_setting_is_named(missing: str, env: dict[str, str]) -> None:
    result = run_manage("check", **{"DIGEST_ENV": "production", "ALLOWED_HOSTS": "", **env})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"Configuration error: {missing} is required in production" in result.stderr


@pytest.mark.django_db
def test_check_deploy_with_production_settings_reports_no_issue() -> None:
    from tests.helpers.celery_worker import test_database_url

    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DIGEST_ENV="production", SECRET_KEY="production-secret-key-for-tests-" + "k" * 40,
        ALLOWED_HOSTS="digest.example.org", DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL, ANYMAIL_WEBHOOK_SECRET="pm:secret",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
