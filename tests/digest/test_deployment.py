"""The production stack as docker-compose.yml and the Dockerfile describe it (issue 19, 5).

`docker-compose config` (or `docker compose config`) validates the file with the
documented .env (.env.example) where the tool is installed. The web healthcheck's probe
passes against the running app with the documented ALLOWED_HOSTS. The image's user can
write every folder the app writes (derived from settings by the deploy check
digest.E002), run here as that user's uid on a data folder made as the Dockerfile makes
it; no docker daemon is needed for that.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
APP_SERVICES = {"migrate", "web", "worker", "embed-worker", "beat"}


def documented_env() -> dict[str, str]:
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if re.match(r"^[A-Z_]+=", line)]
    return dict(pairs)


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def compose_config(folder: Path, env_text: str) -> subprocess.CompletedProcess[str]:
    command = compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")
    shutil.copy(BASE_DIR / "docker-compose.yml", folder / "docker-compose.yml")
    (folder / ".env").write_text(env_text)
    environ = {k: v for k, v in os.environ.items() if k not in documented_env()}
    return subprocess.run(
        [*command, "config"], cwd=folder, env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("compose")
    result = compose_config(folder, (BASE_DIR / ".env.example").read_text())
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command") or []
    return " ".join(command) if isinstance(command, list) else str(command)


def test_the_compose_file_is_valid_with_the_documented_env(stack: dict[str, Any]) -> None:
    assert APP_SERVICES | {"db", "redis", "proxy"} <= set(stack)
    assert all(stack[name]["image"] == "research-digest:latest" for name in APP_SERVICES)
    assert all("build" in stack[name] for name in APP_SERVICES)  # `docker compose build`


def test_the_compose_file_refuses_an_env_without_the_database_password(tmp_path: Path) -> None:
    env = "\n".join(f"{k}={v}" for k, v in documented_env().items() if k != "POSTGRES_PASSWORD")

    result = compose_config(tmp_path, env)

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_there_is_exactly_one_beat_and_no_worker_runs_one(stack: dict[str, Any]) -> None:
    beats = [name for name, service in stack.items() if " beat " in f" {command_of(service)} "]
    with_beat = re.compile(r"\s(-B|--beat)\b")
    embedded = [name for name, service in stack.items() if with_beat.search(command_of(service))]
    assert beats == ["beat"] and embedded == []
    assert "replicas" not in (stack["beat"].get("deploy") or {})


def test_only_the_tls_proxy_is_published_and_it_forwards_to_web(stack: dict[str, Any]) -> None:
    published = {name for name, service in stack.items() if service.get("ports")}
    ports = {  # the long syntax (compose v2, docker-compose 1.29) or "host:container"
        str(port["target"]) if isinstance(port, dict) else str(port).split(":")[-1]
        for port in stack["proxy"]["ports"]
    }

    assert published == {"proxy"}
    assert {"80", "443"} <= ports
    proxy = command_of(stack["proxy"])
    assert "reverse-proxy" in proxy and "--to web:8000" in proxy
    assert f"--from {documented_env()['DIGEST_DOMAIN']}" in proxy
    # The proxy's forwarded headers are the ones production trusts.
    assert stack["web"]["environment"]["RATELIMIT_IP_META_KEY"] == "HTTP_X_FORWARDED_FOR"


def test_every_app_service_keeps_its_data_on_the_volume_the_image_gives_its_user(
    stack: dict[str, Any],
) -> None:
    data_dir = re.search(r"^ENV DIGEST_DATA_DIR=(\S+)", DOCKERFILE, re.MULTILINE)
    user = re.search(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert data_dir and user
    assert re.search(rf"chown {user[1]}:{user[1]} {re.escape(data_dir[1])}\b", DOCKERFILE)
    for name in APP_SERVICES:
        service = stack[name]
        assert service["environment"]["DIGEST_DATA_DIR"] == data_dir[1], name
        volumes = service["volumes"]
        targets = {v["target"] if isinstance(v, dict) else v.split(":")[1] for v in volumes}
        assert data_dir[1] in targets, name
    assert f"--schedule {data_dir[1]}/" in command_of(stack["beat"])


def test_the_stack_refuses_to_start_on_a_deploy_check_error(stack: dict[str, Any]) -> None:
    migrate = command_of(stack["migrate"])
    assert "manage.py check --deploy --fail-level ERROR && " in migrate
    for name in APP_SERVICES - {"migrate"}:
        condition = stack[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_the_web_healthcheck_runs_the_probe(stack: dict[str, Any]) -> None:
    assert stack["web"]["healthcheck"]["test"] == ["CMD", "python", "digest/health_probe.py"]


@pytest.mark.celery_worker
def test_the_health_probe_passes_against_the_app_with_the_documented_allowed_hosts(
    live_server: Any, celery_worker_process: object, settings: Any
) -> None:
    allowed = documented_env()["ALLOWED_HOSTS"]
    settings.ALLOWED_HOSTS = [h.strip() for h in allowed.split(",")]
    env = {**os.environ, "ALLOWED_HOSTS": allowed, "HEALTH_PROBE_URL": f"{live_server.url}/healthz"}

    probe = subprocess.run(
        [sys.executable, "digest/health_probe.py"], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert probe.returncode == 0, probe.stderr
    # What the old healthcheck sent: a bare 127.0.0.1, refused under the documented hosts.
    assert Client().get("/healthz", HTTP_HOST="127.0.0.1").status_code == 400


def test_the_probe_names_a_host_the_site_serves() -> None:
    from digest.health_probe import probe_host

    assert probe_host("digest.example.org, www.example.org") == "digest.example.org"
    assert probe_host(".example.org") == "example.org"
    assert probe_host("*") == probe_host("") == "localhost"


def image_uid() -> int:
    found = re.search(r"useradd [^\n]*--uid (\d+) (\S+)", DOCKERFILE)
    assert found, "the Dockerfile makes no user with a fixed uid"
    return int(found[1])


def interpreter_for_others() -> str | None:
    """A Python of this version that another uid may run (this venv's may sit under a
    private home, as /root/.pyenv does); it is given this venv's packages."""
    for folder in ("/usr/local/bin", "/usr/bin"):
        candidate = Path(folder) / f"python{sys.version_info.major}.{sys.version_info.minor}"
        if candidate.exists() and candidate.stat().st_mode & 0o005 == 0o005:
            return str(candidate)
    return None


def check_as_image_user(data_dir: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` with production settings, as the image's uid."""
    from tests.helpers.celery_worker import test_database_url

    python = interpreter_for_others()
    if python is None:
        pytest.skip("no Python of this version that an unprivileged uid may run")
    env = {
        "PATH": os.environ["PATH"], "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "DJANGO_SETTINGS_MODULE": "digest.settings", "DIGEST_ENV": "production",
        "SECRET_KEY": "production-secret-key-for-tests-" + "k" * 40,
        "ALLOWED_HOSTS": "digest.example.org", "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "REDIS_URL": settings.REDIS_URL,
        "ANYMAIL_WEBHOOK_SECRET": "pm:secret", "DIGEST_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    }  # fmt: skip
    uid = image_uid()
    return subprocess.run(
        [python, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=BASE_DIR, env=env, user=uid, group=uid, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def folders_written(data_dir: Path) -> list[str]:
    script = (
        "import json, django; django.setup(); "
        "from digest.lib.writable import app_write_folders; "
        "print(json.dumps([str(f) for f in app_write_folders()]))"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "digest.settings", "DIGEST_ENV": "production",
        "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "digest.example.org",
        "DATABASE_URL": "postgres://u@h/d", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DIGEST_DATA_DIR": str(data_dir),
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True,
        text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def image_dirs() -> Iterator[tuple[Path, Path]]:
    """A data folder's place and a home, somewhere the image's uid can reach (pytest's
    own temporary folders are private to root)."""
    if os.geteuid() != 0:
        pytest.skip("running as the image's uid needs root (this suite runs as root in CI)")
    root = Path(tempfile.mkdtemp(prefix="image-user-"))
    root.chmod(0o755)
    home = root / "home"
    home.mkdir()
    os.chown(home, image_uid(), image_uid())
    try:
        yield root / "data", home
    finally:
        shutil.rmtree(root)


def test_every_folder_the_app_writes_in_production_lies_on_the_data_volume(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    folders = [Path(f) for f in folders_written(data_dir)]

    assert data_dir.resolve() in folders
    assert Path(settings.DATA_DIR).resolve() not in folders  # derived from the env, not fixed
    for folder in folders:
        assert folder.is_relative_to(data_dir.resolve()) or folder == Path("/tmp").resolve()


@pytest.mark.django_db
def test_the_image_s_user_can_write_every_folder_the_app_writes(
    image_dirs: tuple[Path, Path],
) -> None:
    data_dir, home = image_dirs
    data_dir.mkdir()  # as the Dockerfile: mkdir -p /data && chown digest:digest /data
    os.chown(data_dir, image_uid(), image_uid())

    result = check_as_image_user(data_dir, home)

    assert result.returncode == 0, result.stderr
    assert (data_dir / "models").is_dir()  # made by the check as the app would
    assert (data_dir / "models").stat().st_uid == image_uid()


@pytest.mark.django_db
def test_a_data_folder_the_image_s_user_cannot_write_fails_the_deploy_check(
    image_dirs: tuple[Path, Path],
) -> None:
    data_dir, home = image_dirs
    data_dir.mkdir()  # root's, as a volume mounted over a folder the image never made
    data_dir.chmod(0o755)

    result = check_as_image_user(data_dir, home)

    assert result.returncode == 1
    expected = f"digest.E002) {data_dir.resolve()} is not writable by uid {image_uid()}"
    assert expected in result.stderr
