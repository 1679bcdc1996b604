"""The core knows nothing of Qt, and SQLite-only SQL stays in one module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xinfang_desk"


def test_ledger_and_export_import_without_qt() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import xinfang_desk.ledger as L, xinfang_desk.export as E, xinfang_desk.commands\n"
        "for pkg in (L, E):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "import xinfang_desk.cli\n"
        "print(sorted(n for n in sys.modules if n.startswith('PySide6')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sqlite_specific_sql_lives_in_one_module() -> None:
    markers = ("PRAGMA", "fts5", "sqlite_master", "MATCH :")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "sqlite.py" or "ui" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {m}" for m in markers if m in text]
    assert offenders == []


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (type-checking blocks included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _forbidden_in_screens_and_commands(path: Path) -> list[str]:
    return sorted(
        name
        for name in _imports(path)
        if name == "sqlalchemy" or name.startswith("sqlalchemy.") or name.startswith("xinfang_desk.ledger.models")
    )


def test_screens_and_commands_reach_the_ledger_only_through_operations() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): bad
        for folder in ("ui", "commands")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        if (bad := _forbidden_in_screens_and_commands(path))
    }
    assert offenders == {}


def test_the_architecture_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqlalchemy.orm import Session\n"
        "def f():\n    from xinfang_desk.ledger.models import Case\n",
        encoding="utf-8",
    )
    assert _forbidden_in_screens_and_commands(sneaky) == [
        "sqlalchemy.orm",
        "sqlalchemy.orm.Session",
        "xinfang_desk.ledger.models",
        "xinfang_desk.ledger.models.Case",
    ]
