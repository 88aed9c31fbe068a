"""`manage.py runstack` (what `make run` starts) stops completely on Ctrl-C or SIGTERM.

The stack runs as a user runs it: embedded PostgreSQL, embedded broker, a data folder of
its own with the sample loaded, the worker embedding it. Each round interrupts it while
the worker is busy with an embedding chunk and asserts that web, worker, beat and the
database are gone, that nothing was SIGKILLed, and that every paper still lacking a
vector is in a queued embedding task (the interrupted chunk was requeued, not lost).
Rounds alternate Ctrl-C and SIGTERM; some start after a crash left a dead pid in the
embedded server's handle file. Five rounds: the acceptance of issue 19.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from tests.helpers.waiting import BACKGROUND_CEILING_S

BASE_DIR = Path(settings.BASE_DIR)
ROUNDS = 5
STOPS: list[str] = []  # how each round went, printed with -s
# What the test profile points elsewhere (Redis broker, test database): the stack runs
# on the embedded defaults, as `make run` does.
NOT_INHERITED = (
    "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "USE_REDIS_CACHE",
)  # fmt: skip

# Papers still lacking a vector, and the papers named by queued embedding tasks (the
# filesystem broker's message files). A queued refresh (queue_embeddings) covers all.
COVERAGE = """
import base64, json
from pathlib import Path
from django.conf import settings
from papers.selectors import papers_needing_embedding
missing = set(papers_needing_embedding(model_name=settings.EMBEDDING_MODEL)
              .values_list("pk", flat=True))
queued, everything = set(), False
folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
for path in folder.glob("*.msg"):
    message = json.loads(path.read_text())
    task = message["headers"]["task"]
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    if task == "papers.tasks.embed_papers":
        ids = kwargs.get("paper_ids", args[0] if args else None)
        everything |= ids is None
        queued |= set(ids or [])
    everything |= task in ("papers.tasks.queue_embeddings", "search.tasks.bm25_index")
uncovered = 0 if everything else len(missing - queued)
print(json.dumps({"missing": len(missing), "uncovered": uncovered}))
"""


def stack_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="digest.settings",
        DIGEST_DATA_DIR=str(data_dir),
        EMBEDDING_TASK_CHUNK="64",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(data_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=stack_env(data_dir),
        capture_output=True, text=True, timeout=BACKGROUND_CEILING_S,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def leave_a_dead_handle(data_dir: Path) -> None:
    """A process attaches to the server and is SIGKILLed: its pid stays in the handle file."""
    code = "from django.db import connection; connection.ensure_connection(); print('up', flush=True); import time; time.sleep(600)"  # noqa: E501
    child = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR,
        env=stack_env(data_dir), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    while child.stdout.readline().strip() != "up":  # after Django's auto-import notice
        assert child.poll() is None, "the process attaching to the server exited"
    child.kill()
    child.wait(10)
    handles = json.loads((data_dir / "pgdata" / ".handle_pids.json").read_text())
    assert child.pid in handles  # the crash left its pid behind


def wait_for_line(log: Path, pattern: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BACKGROUND_CEILING_S
    while not re.search(pattern, log.read_text(errors="replace")):
        assert process.poll() is None, f"the stack exited early:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {pattern!r} in:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def sample_stack() -> Iterator[Path]:
    """A data folder with the sample loaded and its indexing and embedding queued.

    Under the checkout's var/, not the temporary folder: as root the server runs as the
    "pgserver" user, who must traverse every folder above its data, and pytest sets its
    shared temporary root back to owner-only whenever a session starts.
    """
    from digest.lib.embedded_pg import stop_embedded_server

    data_dir = BASE_DIR / "var" / f"test-stack-{uuid.uuid4().hex[:8]}"
    try:
        manage(data_dir, "migrate", "--noinput")
        manage(data_dir, "load_sample", "--verbosity", "0")
        manage(data_dir, "refresh_search")
        stop_embedded_server(data_dir=data_dir)
        yield data_dir
    finally:
        stop_embedded_server(data_dir=data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_interrupting_the_stack_stops_every_process_and_the_database(
    sample_stack: Path, round_: int, tmp_path: Path
) -> None:
    data_dir = sample_stack
    if round_ % 2 == 0:
        leave_a_dead_handle(data_dir)
    port, log = free_port(), tmp_path / "stack.log"
    with log.open("wb") as out:
        stack = subprocess.Popen(
            [sys.executable, "manage.py", "runstack", "--port", str(port), "--web-workers", "1",
             "--concurrency", "1"],
            cwd=BASE_DIR, env=stack_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal of its own: Ctrl-C reaches its whole group
        )  # fmt: skip
        try:
            wait_for_line(log, "is running at", stack)
            # A chunk was written (the model is loaded): the worker is encoding the next.
            wait_for_line(log, r"embedding [\d,]+ / [\d,]+ papers", stack)
            processes = psutil.Process(stack.pid).children(recursive=True)
            postgres = postmaster_pid(data_dir)
            assert postgres is not None and alive(postgres)
            started = time.monotonic()
            if round_ % 2:
                os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the group
            else:
                stack.send_signal(signal.SIGTERM)
            stack.wait(BACKGROUND_CEILING_S)
            took = time.monotonic() - started
        finally:
            if stack.poll() is None:
                os.killpg(stack.pid, signal.SIGKILL)
    output = log.read_text(errors="replace")
    assert "SIGKILL" not in output, output[-3000:]
    path = "cold shutdown" if "Cold shutdown" in output else "chunk handed back"
    if "Cold shutdown" not in output:
        assert "queued again" in output or "embed_papers" in output
    STOPS.append(f"round {round_}: stopped in {took:.1f} s ({path})")
    print(STOPS[-1])  # noqa: T201
    assert [p.pid for p in processes if alive(p.pid)] == []
    assert not alive(postgres)
    assert postmaster_pid(data_dir) is None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    coverage = json.loads(manage(data_dir, "shell", "-c", COVERAGE).strip().splitlines()[-1])
    assert coverage["uncovered"] == 0, coverage
    from digest.lib.embedded_pg import stop_embedded_server

    stop_embedded_server(data_dir=data_dir)  # the check above started it again
