"""Start a real Celery worker process for tests (no eager mode)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType

import psutil
from django.conf import settings
from django.db import connection

from digest.celery import app

BASE_DIR = Path(settings.BASE_DIR)


def test_database_url() -> str:
    """A URL to the database the tests run against, for child processes."""
    params = connection.get_connection_params()
    host = params.get("host") or ""
    user = params.get("user") or "postgres"
    password = params.get("password") or ""
    name = connection.settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{user}:{password}@/{name}?host={host}"
    return f"postgres://{user}:{password}@{host}:{params.get('port') or 5432}/{name}"


def child_environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="digest.settings",
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
        CACHE_URL=os.environ.get("CACHE_URL", ""),
        USE_REDIS_CACHE="1",
        DIGEST_DATA_DIR=str(settings.DATA_DIR),
    )
    env.update(extra)
    return env


class CeleryWorker:
    def __init__(
        self, *, queues: tuple[str, ...], concurrency: int = 1, purge: bool = True, **env: str
    ) -> None:
        self.queues = queues
        self.concurrency = concurrency
        self.purge = purge  # False for a worker restarted after a crash: the queue is its work
        self.env = env
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CeleryWorker:
        if self.purge:
            app.control.purge()
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "celery", "-A", "digest", "worker",
            "--loglevel=INFO", "--without-gossip", "--without-mingle",
            f"--concurrency={self.concurrency}", f"--hostname={self.hostname}",
            "-Q", ",".join(self.queues),
        ]  # fmt: skip
        self.log_path = BASE_DIR / "var" / f"{self.hostname.split('@')[0]}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            cmd, cwd=BASE_DIR, env=child_environment(**self.env),
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        raise TimeoutError(f"worker did not answer: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def pool_pids(self) -> list[int]:
        """The prefork pool's processes (children of the main worker process)."""
        assert self.process is not None
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def kill_pool_child(self) -> int:
        """SIGKILL one pool process, as the OOM killer would; the main process lives on."""
        (pid,) = self.pool_pids()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_main(self) -> None:
        """SIGKILL only the main process; its pool is orphaned, as after an OOM kill of it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:  # orphans of a killed main process go with their group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()
