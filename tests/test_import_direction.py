"""Imports flow one way: digest (project) → reader → writing → mailing → search → papers
→ digest.lib. ``digest/settings.py`` and ``digest/celery.py`` import no app code.

The three domain apps stand side by side under the project but are ordered too, so that
they never import each other in a circle: the reader's pages show research logs
(writing) and copy follows onto subscriptions (mailing); publishing a log mails it
(mailing); mailing needs neither.

Every ``import`` statement of every module is read (an AST walk: imports inside
functions and under ``TYPE_CHECKING`` count too), relative imports resolved, and each
import from one layer into a higher one is a violation. Modules outside the layers
(tests, benchmarks, third-party packages) are not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Highest first; a module belongs to the layer of its longest matching prefix.
LAYERS = ["digest", "reader", "writing", "mailing", "search", "papers", "digest.lib"]
# Modules that may import nothing of the layers but digest.lib (validation helpers).
LEAVES = {"digest.settings", "digest.celery"}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.why}"


def layer_of(module: str) -> int | None:
    """Index of the module's layer in LAYERS (0 is the top), or None outside them."""
    matches = [
        i for i, name in enumerate(LAYERS) if module == name or module.startswith(name + ".")
    ]
    return max(matches, key=lambda i: len(LAYERS[i]), default=None)


def modules_under(root: Path) -> dict[str, Path]:
    """Every module of the layers' packages under ``root``, by dotted name."""
    found = {}
    for top in {name.split(".")[0] for name in LAYERS}:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported_modules(module: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for each import in the file, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # "from digest import lib" imports digest.lib
                candidate = f"{base}.{alias.name}"
                found.append((node.lineno, candidate if candidate in known else base))
    return found


def violations(root: Path) -> list[Violation]:
    modules = modules_under(root)
    known = set(modules)
    found = []
    for module, path in modules.items():
        source = layer_of(module)
        for line, imported in imported_modules(module, path, known):
            target = layer_of(imported)
            if source is None or target is None:
                continue
            if module in LEAVES and LAYERS[target] != "digest.lib":
                found.append(Violation(module, line, imported, "settings import no app code"))
            elif target < source:
                why = f"{LAYERS[source]} is below {LAYERS[target]}"
                found.append(Violation(module, line, imported, why))
    return found


def test_imports_flow_one_way() -> None:
    assert [str(v) for v in violations(REPO)] == []


def test_the_checker_sees_every_layer_of_the_real_tree() -> None:
    layers = {layer_of(module) for module in modules_under(REPO)}
    assert layers == set(range(len(LAYERS)))


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_flags_imports_against_the_direction(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "digest/__init__.py": "",
            "digest/settings.py": "from digest.lib import config\nimport papers.models\n",
            "digest/urls.py": "from reader import views\n",
            "digest/lib/__init__.py": "",
            "digest/lib/config.py": "",
            "digest/lib/http.py": "def f():\n    from digest import urls\n",
            "digest/lib/sql.py": "from .. import urls\nfrom . import config\n",
            "papers/__init__.py": "",
            "papers/models.py": "from digest.lib import http\n",
            "papers/text.py": "import search.bm25\n",
            "search/__init__.py": "",
            "search/bm25.py": "from papers import models\nfrom . import bm25\n",
            "mailing/__init__.py": "",
            "mailing/services.py": "from writing.models import Draft\n",
            "writing/__init__.py": "",
            "writing/models.py": "from mailing import services\nfrom search import bm25\n",
            "reader/__init__.py": "",
            "reader/views.py": "from writing import models\nfrom mailing import services\n",
        },
    )
    assert sorted(map(str, violations(tmp_path))) == [
        "digest.lib.http:2 imports digest.urls: digest.lib is below digest",
        "digest.lib.sql:1 imports digest.urls: digest.lib is below digest",
        "digest.settings:2 imports papers.models: settings import no app code",
        "mailing.services:1 imports writing.models: mailing is below writing",
        "papers.text:1 imports search.bm25: papers is below search",
    ]
