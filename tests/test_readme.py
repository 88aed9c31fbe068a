"""The README is a user's manual: short, its links resolve, and every setting the app
reads from the environment is documented in docs/configuration.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def settings_variables() -> set[str]:
    source = (ROOT / "digest" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


def test_the_readme_stays_short() -> None:
    assert len(README.splitlines()) <= 300


def test_the_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README


def test_every_local_link_in_the_readme_and_docs_resolves() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text())
        if not target.startswith(("http://", "https://", "mailto:"))
        and not (page.parent / target).exists()
    ]
    assert broken == []


def test_every_environment_variable_the_settings_read_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text()
    variables = settings_variables()
    assert len(variables) > 50  # the pattern still finds the settings' reads
    assert sorted(v for v in variables if f"`{v}`" not in documented) == []
