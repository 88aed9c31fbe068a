"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digest.settings")

app = Celery("digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_embedded_folders(sender: Celery, **kwargs: Any) -> None:
    """The embedded broker and result store keep files in folders that must exist.

    Made when Celery is first configured (the first task sent, a worker starting), so
    that importing settings or this module writes nothing.
    """
    folders = [
        value
        for key, value in sender.conf.broker_transport_options.items()
        if key.endswith("_folder") or key.startswith("data_folder")
    ]
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        folders.append(backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
