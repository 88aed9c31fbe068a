"""Run web + worker + beat together, print the URL, stop them all on Ctrl-C or SIGTERM.

Stopping: each process gets SIGTERM on its own (never its process group, which would
hit the Celery pool's processes mid-task): gunicorn stops its workers, the Celery worker
makes a warm shutdown, in which a chunk being embedded stops at the next model batch and
is queued again (``papers.tasks.embed_papers``). A process still running ``GRACE_S``
seconds later gets SIGQUIT (see there); one still running after ``KILL_WAIT`` is killed
with its group. Then the embedded PostgreSQL is stopped
outright, so a pid left in its handle file by a crashed process never keeps it running.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho import manager as honcho_manager
from honcho.compat import ProcessManager
from honcho.manager import Manager

from digest.lib.embedded_pg import stop_embedded_server

QUEUES = "default,harvest,embed,mail"
# Seconds a process may take over its graceful stop before it is asked to stop at once
# (SIGQUIT: Celery's cold shutdown, which hands unfinished tasks back to the queue and
# lets PostgreSQL roll their transactions back; gunicorn's quick shutdown). An embedding
# chunk stops within one model batch (a second or two on two idle cores), well inside it,
# even on a machine many times slower; a long SQL statement may not.
GRACE_S = 15
# The last resort, for a process that ignores both.
honcho_manager.KILL_WAIT = 40


class _LeaderSignals(ProcessManager):  # type: ignore[misc]
    """SIGTERM to the process itself, not its group; SIGQUIT after ``GRACE_S`` if it is
    still there; honcho's SIGKILL (to the group) stays the last resort."""

    def terminate(self, pid: int) -> None:
        _signal(pid, signal.SIGTERM)
        timer = threading.Timer(GRACE_S, _signal, args=(pid, signal.SIGQUIT))
        timer.daemon = True
        timer.start()


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ESRCH):
            raise


class Command(BaseCommand):
    help = "Start gunicorn, a Celery worker and Celery beat; Ctrl-C stops all three."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        manager = Manager()
        # honcho signals process groups; see _LeaderSignals.
        manager._procmgr = _LeaderSignals()
        for name, command in self._commands(host=host, port=port, **options).items():
            manager.add_process(name, f"exec {command}")  # exec: the shell is not the leader
        url = f"http://{host}:{port}/"
        threading.Thread(target=self._announce_when_up, args=(url,), daemon=True).start()
        try:
            manager.loop()
        finally:
            self._stop_database()
        sys.exit(manager.returncode)

    def _commands(
        self, *, host: str, port: int, web_workers: int, concurrency: int, **options: Any
    ) -> dict[str, str]:
        bin_dir = f"{sys.prefix}/bin"
        return {
            "web": f"{bin_dir}/gunicorn digest.wsgi --bind {host}:{port} "
            f"--workers {web_workers} --access-logfile - --graceful-timeout 10 "
            "--logger-class digest.gunicorn_logging.HealthQuietLogger",
            # --quiet: no banner; the progress lines are the worker's story.
            "worker": f"env TQDM_DISABLE=1 {bin_dir}/celery -A digest --quiet worker -Q {QUEUES} "
            f"--concurrency {concurrency} --loglevel INFO",
            "beat": f"{bin_dir}/celery -A digest --quiet beat --loglevel INFO "
            f"--schedule {settings.CELERY_BEAT_SCHEDULE_FILENAME}",
        }

    def _stop_database(self) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] == "digest.lib.embedded_pg":
            stop_embedded_server(data_dir=Path(database["DATA_DIR"]))
            self.stdout.write("embedded PostgreSQL stopped")

    def _announce_when_up(self, url: str) -> None:
        """Print the URL once the web and the worker both answer, so it comes last."""
        deadline = time.monotonic() + 120  # then say it anyway: the web may be all that works
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=3) as response:
                    response.read()
                break
            except urllib.error.HTTPError:
                pass  # 503: the web serves, the worker is not answering yet
            except OSError:
                pass  # the web is not listening yet
            time.sleep(0.5)
        banner = f"\n  Research Digest is running at {url}  (Ctrl-C stops it)\n"
        self.stdout.write(self.style.SUCCESS(banner))
