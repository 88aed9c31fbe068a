"""Settings are data: importing them, `manage.py help` and `check` start and write nothing.

Each child process gets a data directory that does not exist yet and the embedded
database (no DATABASE_URL); the embedded server would create ``pgdata`` there, the
development profile its secret key and the filesystem broker its folders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from digest.lib.config import development_secret_key

BASE_DIR = Path(settings.BASE_DIR)
_NOT_WATCHED = {".git", ".venv", "node_modules", "var", ".pytest_cache", ".ruff_cache"}

IMPORT_EVERYTHING = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
get_resolver().url_patterns  # imports every view, task and model module
import digest.celery, papers.tasks, search.tasks
import psutil
data_dir = settings.DATA_DIR
servers = [
    p.pid for p in psutil.process_iter(["cmdline"])
    if str(data_dir) in " ".join(p.info["cmdline"] or [])
]
print(json.dumps({"servers": servers, "pgserver_imported": "pgserver" in sys.modules}))
"""


def _repository_files() -> dict[str, float]:
    """Every file of the checkout outside the ignored build and data folders, with mtimes."""
    found = {}
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = [d for d in dirs if d not in _NOT_WATCHED]
        for name in files:
            path = Path(root, name)
            found[str(path)] = path.stat().st_mtime
    return found


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="digest.settings",
        DIGEST_DATA_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def test_importing_settings_and_every_module_starts_no_server(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    before = _repository_files()
    result = _run(["-c", IMPORT_EVERYTHING], child_env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"servers": [], "pgserver_imported": False}
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing is written at import"
    assert _repository_files() == before


@pytest.mark.parametrize("command", [["help"], ["check"], ["help", "migrate"]])
def test_manage_py_without_a_database_writes_nothing(
    command: list[str], child_env: dict[str, str], tmp_path: Path
) -> None:
    before = _repository_files()
    result = _run(["manage.py", *command], child_env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var").exists(), "no data directory, so no server and no key file"
    assert not (tmp_path / "static").exists()
    assert _repository_files() == before


def test_the_development_key_is_created_once_and_shared(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "secret_key"
    script = (
        "import sys; from pathlib import Path; from digest.lib.config import "
        "development_secret_key as k; print(k(key_file=Path(sys.argv[1])))"
    )
    command = [sys.executable, "-c", script, str(key_file)]
    children = [
        subprocess.Popen(command, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    keys = {child.communicate(timeout=60)[0].strip() for child in children}
    assert keys == {development_secret_key(key_file=key_file)}
    assert len(keys.pop()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]
