"""The embedded PostgreSQL 16 + pgvector server used when DATABASE_URL is unset.

Settings name this package as the database ENGINE (``base.py`` holds its
``DatabaseWrapper``), so a process starts or attaches to the server on its first database
connection, never at import: ``manage.py help``, mypy and ``check`` run without one.
The first process to connect starts the server, the others attach to it; the last one
to exit stops it (pgserver's ``cleanup_mode="stop"``), and ``manage.py runstack`` stops
it outright when the stack stops. A file lock beside the data directory serialises
start-up, so two processes started at the same moment never run two servers on one
data directory.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from filelock import FileLock

DATABASE_NAME = "digest"
_LOCK_TIMEOUT_S = 120
_sockets: dict[Path, Path] = {}  # data dir → socket directory, per process
_sockets_lock = threading.Lock()  # BM25 opens connections from several threads at once


def embedded_server_socket(*, data_dir: Path) -> Path:
    """Start or attach to the server under ``data_dir``; return its socket directory.

    The first call in a process starts (or attaches) and makes sure the app's database
    exists; later calls answer from memory.
    """
    data_dir = data_dir.resolve()
    with _sockets_lock:
        if data_dir not in _sockets:
            uri = embedded_database_url(data_dir=data_dir)
            _sockets[data_dir] = Path(parse_qs(urlsplit(uri).query)["host"][0])
        return _sockets[data_dir]


def embedded_database_url(*, data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start or attach to the server under ``data_dir`` and return a URL to ``database``."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # deferred: only needed when no DATABASE_URL is configured

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    with FileLock(str(data_dir / "pgserver.lock"), timeout=_LOCK_TIMEOUT_S):
        _forget_dead_handles(pgdata)
        _remove_stale_postmaster_pid(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        _ensure_database(server.get_uri(), database)
        return server.get_uri(database)


def stop_embedded_server(*, data_dir: Path) -> None:
    """Stop the server under ``data_dir`` now, whoever started it (for restarts and tests)."""
    import pgserver

    pgdata = (data_dir / "pgdata").resolve()
    _sockets.pop(data_dir.resolve(), None)
    with FileLock(str(data_dir / "pgserver.lock"), timeout=_LOCK_TIMEOUT_S):
        server = pgserver.PostgresServer._instances.pop(pgdata, None)
        if server is not None:
            server.global_process_id_list.put([])
        if (pgdata / "postmaster.pid").exists():
            # pgserver makes its command wrappers (pg_ctl, initdb...) with setattr at import.
            from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

            pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=_server_user())


def _server_user() -> str | None:
    return "pgserver" if os.geteuid() == 0 else None


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of crashed processes, so the last live process can still stop the server."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _remove_stale_postmaster_pid(pgdata: Path) -> None:
    """A server killed with SIGKILL leaves postmaster.pid and its socket lock behind.

    Both name a dead (or zombie, never reaped in a container) pid; PostgreSQL only checks
    that the pid exists, so it would refuse to start. Remove them.
    """
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    lines = pid_file.read_text().splitlines()
    try:
        pid = int(lines[0])
    except (ValueError, IndexError):
        pid = 0
    if _is_postgres(pid):
        return
    socket_dirs = {pgdata}
    if len(lines) > 4 and lines[4]:
        socket_dirs.add(Path(lines[4]))
    for socket_dir in socket_dirs:
        for stale in socket_dir.glob(".s.PGSQL.*"):
            stale.unlink(missing_ok=True)
    pid_file.unlink()


def _pid_alive(pid: int) -> bool:
    """True for a live process; a zombie (killed, not yet reaped) counts as dead."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_postgres(pid: int) -> bool:
    import psutil

    if pid <= 0 or not _pid_alive(pid):
        return False
    try:
        return psutil.Process(pid).name() in {"postgres", "postmaster"}
    except psutil.Error:
        return False


def _ensure_database(admin_uri: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
