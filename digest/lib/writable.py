"""The folders the app writes at run time, derived from settings, and a deploy check that
this process's user can write each one.

In a container the app runs as an unprivileged user: a data folder it cannot write makes
beat crash-loop (its schedule file) and the embedder fail (its model cache), long after
start-up. The check says so at once, naming the folder and the user.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error


def app_write_folders() -> list[Path]:
    """Every folder the app writes in, from settings (deduplicated, in a stable order)."""
    folders = [
        Path(settings.DATA_DIR),
        Path(settings.DATA_DIR) / "models",  # the embedder's ONNX export (papers.embeddings)
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent,
        Path(tempfile.gettempdir()),
    ]
    for key, value in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items():
        if key.endswith("_folder") or key.startswith("data_folder"):
            folders.append(Path(str(value)))
    backend = str(getattr(settings, "CELERY_RESULT_BACKEND", "") or "")
    if backend.startswith("file://"):
        folders.append(Path(backend.removeprefix("file://")))
    return list(dict.fromkeys(folder.resolve() for folder in folders))


def folder_write_error(folder: Path) -> str:
    """Why this process cannot create ``folder`` (as the app would) and write a file in
    it, or "" when it can."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def writable_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Deploy check: every folder the app writes is writable by the user it runs as."""
    user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "this user"
    return [
        Error(
            f"{folder} is not writable by {user} ({reason}); the app writes there.",
            hint="Give the folder (DIGEST_DATA_DIR, a mounted volume) to the app's user.",
            id="digest.E002",
        )
        for folder in app_write_folders()
        if (reason := folder_write_error(folder))
    ]
