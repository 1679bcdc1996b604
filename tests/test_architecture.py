"""The core knows nothing of Qt, and SQLite-only SQL stays in one module."""

from __future__ import annotations

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
