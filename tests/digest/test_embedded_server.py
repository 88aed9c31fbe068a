"""The embedded PostgreSQL: shared by concurrent processes, durable, and crash-tolerant.

Each test runs its own server on a fresh data directory, in child processes, so that it
never touches the server the rest of the suite uses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

SCRIPT = """
import json, os, sys, time
import psycopg
from pathlib import Path
from digest.lib.embedded_pg import embedded_database_url
url = embedded_database_url(data_dir=Path(sys.argv[1]))
with psycopg.connect(url) as conn:
    # CREATE TABLE IF NOT EXISTS races between concurrent sessions; serialise it.
    conn.execute("SELECT pg_advisory_xact_lock(42)")
    conn.execute("CREATE TABLE IF NOT EXISTS notes (body text)")
    if sys.argv[2]:
        conn.execute("INSERT INTO notes VALUES (%s)", [sys.argv[2]])
    notes = [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY body")]
    conn.commit()
pid = int(Path(sys.argv[1], "pgdata", "postmaster.pid").read_text().split()[0])
print(json.dumps({"notes": notes, "postmaster": pid}), flush=True)
time.sleep(float(sys.argv[3]))
"""


def spawn(data_dir: Path, note: str = "", linger: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(data_dir), note, str(linger)],
        cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(process: subprocess.Popen[str]) -> dict[str, object]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out)


def postmasters_for(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline):
            found.append(proc)
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "var"
    yield path
    for proc in postmasters_for(path / "pgdata"):
        proc.kill()


def test_data_written_before_a_restart_is_there_after_it(data_dir: Path) -> None:
    first = finish(spawn(data_dir, note="written before restart"))
    assert not postmasters_for(data_dir / "pgdata"), "the last process should stop the server"
    second = finish(spawn(data_dir))
    assert second["notes"] == ["written before restart"]
    assert second["postmaster"] != first["postmaster"]


def test_processes_started_at_once_share_one_server(data_dir: Path) -> None:
    processes = [spawn(data_dir, note=f"p{i}", linger=3) for i in range(3)]
    results = [finish(p) for p in processes]
    assert len({r["postmaster"] for r in results}) == 1
    assert finish(spawn(data_dir))["notes"] == ["p0", "p1", "p2"]


def test_a_server_killed_by_a_crash_is_recovered(data_dir: Path) -> None:
    holder = spawn(data_dir, note="before crash", linger=60)
    line = holder.stdout.readline()
    postmaster = json.loads(line)["postmaster"]
    os.kill(postmaster, signal.SIGKILL)
    holder.kill()
    holder.wait()
    time.sleep(0.5)
    assert (data_dir / "pgdata" / "postmaster.pid").exists(), "a crash leaves a stale pid file"
    assert finish(spawn(data_dir))["notes"] == ["before crash"]
