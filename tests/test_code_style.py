"""The code base stays ruff-clean (lint and format), checked as part of the suite.

The checks are shown to fail too: a module with lint errors and one left unformatted,
checked under the same configuration, are reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LINT_ERRORS = """from __future__ import annotations

import os


def shout(text: str) -> None:
    print(text.upper())
"""
UNFORMATTED = "def f( a,b ):\n  return {'a':a,'b':b}\n"


def ruff(*args: str, target: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--config", str(ROOT / "pyproject.toml"),
         str(target)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_ruff_check_reports_nothing() -> None:
    result = ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_changes_nothing() -> None:
    result = ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_reports_lint_errors(tmp_path: Path) -> None:
    module = tmp_path / "careless.py"
    module.write_text(LINT_ERRORS)
    result = ruff("check", "--no-cache", "--output-format=concise", target=module)
    assert result.returncode == 1, result.stdout + result.stderr
    codes = sorted(line.split()[1] for line in result.stdout.splitlines() if "careless.py:" in line)
    assert codes == ["F401", "T201"], result.stdout


def test_ruff_format_reports_unformatted_code(tmp_path: Path) -> None:
    module = tmp_path / "unformatted.py"
    module.write_text(UNFORMATTED)
    result = ruff("format", "--check", "--no-cache", target=module)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unformatted.py" in result.stdout
    assert module.read_text() == UNFORMATTED  # --check only reports
