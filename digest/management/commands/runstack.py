"""Run web + worker + beat together, print the URL, stop them all on Ctrl-C."""

from __future__ import annotations

import sys
import threading
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho import manager as honcho_manager
from honcho.manager import Manager

QUEUES = "default,harvest,embed,mail"
# Give the Celery worker time for a warm shutdown (finish or requeue) before SIGKILL.
honcho_manager.KILL_WAIT = 30


class Command(BaseCommand):
    help = "Start gunicorn, a Celery worker and Celery beat; Ctrl-C stops all three."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        bin_dir = f"{sys.prefix}/bin"
        manager = Manager()
        manager.add_process(
            "web",
            f"{bin_dir}/gunicorn digest.wsgi --bind {host}:{port} "
            f"--workers {options['web_workers']} --access-logfile - --graceful-timeout 10",
        )
        manager.add_process(
            "worker",
            f"{bin_dir}/celery -A digest worker -Q {QUEUES} "
            f"--concurrency {options['concurrency']} --loglevel INFO",
        )
        manager.add_process(
            "beat",
            f"{bin_dir}/celery -A digest beat --loglevel INFO "
            f"--schedule {settings.CELERY_BEAT_SCHEDULE_FILENAME}",
        )
        url = f"http://{host}:{port}/"
        threading.Thread(target=self._announce_when_up, args=(url,), daemon=True).start()
        manager.loop()
        sys.exit(manager.returncode)

    def _announce_when_up(self, url: str) -> None:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "healthz", timeout=3) as response:
                    response.read()
            except urllib.error.HTTPError:
                pass  # 503 while the worker warms up still means the web is serving
            except OSError:
                time.sleep(0.5)
                continue
            banner = f"\n  Research Digest is running at {url}  (Ctrl-C stops it)\n"
            self.stdout.write(self.style.SUCCESS(banner))
            return
