"""The code base type-checks under mypy strict (pyproject.toml), checked as part of the suite.

A plain ``mypy`` reads its configuration from pyproject.toml: the packages it checks,
strict mode, Django's and Celery's stubs. The checker is shown to fail too: a module
with type errors, checked under the same configuration, is reported.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {"digest", "papers", "search", "reader", "mailing", "writing"}

BROKEN = """
from __future__ import annotations


def untyped(value):
    return value


def count_words(text: str) -> int:
    return text.split()
"""


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )  # fmt: skip


def test_mypy_reports_nothing() -> None:
    result = mypy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_checks_every_app_strictly() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert set(config["files"]) >= APPS


def test_mypy_reports_a_type_error(tmp_path: Path) -> None:
    module = tmp_path / "broken_module.py"
    module.write_text(BROKEN)
    result = mypy(str(module))
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["5", "10"], result.stdout
    assert "[no-untyped-def]" in errors[0]
    assert 'Incompatible return value type (got "list[str]", expected "int")' in errors[1]
