"""The core knows nothing of Qt; SQLite-only code stays in the SQLite storage backend."""

from __future__ import annotations

import ast
import re
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


#: The SQLite backend: the one module that may speak SQLite's own SQL and use its driver.
SQLITE_BACKEND = PACKAGE / "ledger" / "storage" / "sqlite.py"
STORAGE = PACKAGE / "ledger" / "storage"

#: What only SQLite understands (or only its driver offers), written as code would hold it.
SQLITE_MARKERS = (
    "PRAGMA",
    "fts5",
    "sqlite_master",
    "MATCH :",
    " MATCH ",
    "BEGIN IMMEDIATE",
    "import sqlite3",
    "sqlite3.",
    "xf_short_grams",
    "case_fts",
    "journal_mode",
    "RAISE(ABORT",
)


#: Migrations are frozen history: each speaks the SQL of its day, behind a check of the database it runs on.
MIGRATIONS = PACKAGE / "ledger" / "migrations"


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p != SQLITE_BACKEND and MIGRATIONS not in p.parents]


def test_sqlite_specific_code_lives_only_in_the_sqlite_backend() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {marker}"
        for path in _modules()
        for marker in SQLITE_MARKERS
        if marker in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_only_the_storage_package_imports_the_sqlite_backend() -> None:
    importers = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if STORAGE not in path.parents
        and (
            "storage.sqlite" in path.read_text(encoding="utf-8")
            or "storage import sqlite" in path.read_text(encoding="utf-8")
        )
    ]
    assert importers == []


def test_the_markers_find_what_they_look_for() -> None:
    """The check can fail: the backend itself holds every marker it looks for."""
    text = SQLITE_BACKEND.read_text(encoding="utf-8")
    missing = [m for m in SQLITE_MARKERS if m not in text]
    assert missing == []


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
        if name == "sqlalchemy"
        or name.startswith("sqlalchemy.")
        or name.startswith("xinfang_desk.ledger.models")
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


#: The one module under ``ui`` that may write a colour; every other names one of its constants.
STYLE_MODULE = PACKAGE / "ui" / "style.py"
#: A colour as code would write it: ``#rrggbb`` or ``#rgb`` (not ``#123`` inside a longer word), or a
#: colour Qt names (``Qt.GlobalColor.darkYellow``).
COLOUR_LITERAL = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b|GlobalColor")


def _colour_literals(path: Path) -> list[str]:
    return [
        f"{number}: {match.group()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in COLOUR_LITERAL.finditer(line)
    ]


def test_colours_are_declared_only_in_the_style_module() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted((PACKAGE / "ui").rglob("*.py"))
        if path != STYLE_MODULE and (found := _colour_literals(path))
    }
    assert offenders == {}


def test_the_colour_check_sees_a_colour(tmp_path: Path) -> None:
    """The check can fail: the style module holds colours, and so does a screen that writes its own."""
    assert _colour_literals(STYLE_MODULE)
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        'label.setStyleSheet("color: #c62828;")\nbox.setStyleSheet("border: 1px solid #ccc")\n'
        "item.setForeground(Qt.GlobalColor.darkYellow)\n"
        'case_no = "#123456x"  # not a colour\n',
        encoding="utf-8",
    )
    assert _colour_literals(sneaky) == ["1: #c62828", "2: #ccc", "3: GlobalColor"]


#: What opens the database by itself, past the operations: a ledger's sessions (writing, reading, plain),
#: its engine, or an operation context's session handed on to a function that is not an operation.
DATABASE_DOORS = frozenset({"session", "new_session", "reading", "engine"})


def _database_doors(path: Path) -> list[str]:
    """Each place ``path`` reaches for a session or an engine (``ledger.session()``, ``ctx.session``, …)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        (
            f"{node.lineno}: .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in DATABASE_DOORS
        ),
        key=lambda found: int(found.split(":")[0]),
    )


def test_commands_open_no_session_and_hand_none_on() -> None:
    """A command runs operations (``in_operation``, ``ledger.operation``) and Ledger-level calls only."""
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted((PACKAGE / "commands").rglob("*.py"))
        if (found := _database_doors(path))
    }
    assert offenders == {}


def test_the_session_check_sees_a_session(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "with ledger.session() as session:\n"
        "    first = not ledger_has_users(session)\n"
        "rows = in_operation(args, lambda ctx: case_rows(ctx.session, ids))\n"
        "with ledger.reading() as s, ledger.operation(actor) as ctx:\n"
        "    url = ledger.engine.url\n"
        "listed = in_operation(args, lambda ctx: list_cases(ctx, wanted, limit=5))  # an operation: fine\n",
        encoding="utf-8",
    )
    assert _database_doors(sneaky) == ["1: .session", "3: .session", "4: .reading", "5: .engine"]


#: The one module that chooses a ledger's storage backend (when the ledger opens), and where it is defined.
OPENING_MODULE = PACKAGE / "ledger" / "db.py"
STORAGE_PACKAGE = PACKAGE / "ledger" / "storage" / "__init__.py"


def _backend_choices(path: Path) -> list[int]:
    """The lines of ``path`` that call ``backend_for`` (by name or as an attribute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            getattr(node.func, "id", None) == "backend_for"
            or getattr(node.func, "attr", None) == "backend_for"
        )
    )


def test_the_storage_backend_is_chosen_only_where_the_ledger_opens() -> None:
    """Everything else uses the backend chosen then: ``Ledger.backend``, ``backend_of(session)``."""
    choosers = {
        str(path.relative_to(PACKAGE)): lines
        for path in _modules()
        if path not in (OPENING_MODULE, STORAGE_PACKAGE) and (lines := _backend_choices(path))
    }
    assert choosers == {}
    assert _backend_choices(OPENING_MODULE)  # the check can fail: the opening module does call it


def test_the_backend_check_sees_a_backend_chosen_again(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "backend = backend_for(session.get_bind())\n"
        "storage.backend_for(engine).install(conn)\n"
        "backend_of(session).text_hits(connection, words)  # the ledger's own: fine\n",
        encoding="utf-8",
    )
    assert _backend_choices(sneaky) == [1, 2]


def test_a_ledger_file_is_named_a_database_only_in_the_storage_package() -> None:
    """“A file means SQLite” is said once (``storage.file_url``, ``storage.file_backend``)."""
    sayers = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if STORAGE not in path.parents and "sqlite:///" in path.read_text(encoding="utf-8")
    ]
    assert sayers == []


#: What opens a database session: screens leave that to the runner's worker (``ui/ops.py``).
SESSION_OPENERS = frozenset({"session", "reading", "operation", "new_session"})
#: Screens allowed a session of their own, and why.
SESSION_ALLOWED = {
    PACKAGE / "ui" / "ops.py": "the runner: it opens each operation's context on its worker",
}
#: Screens allowed a read on the UI thread (``OpRunner.read_now``), and why.
READ_NOW_ALLOWED = {
    PACKAGE / "ui" / "ops.py": "where it is defined",
    PACKAGE / "ui" / "ledger_model.py": "rows read by key as the view draws them (measured: ~13 ms a page)",
}


def _database_work_on_the_ui_thread(path: Path) -> list[str]:
    """Calls in ``path`` that open a session, read on the UI thread or reach into the ledger's engine."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in SESSION_OPENERS and path not in SESSION_ALLOWED:
                found.append((node.lineno, f".{name}()"))
            elif name == "read_now" and path not in READ_NOW_ALLOWED:
                found.append((node.lineno, ".read_now()"))
        elif isinstance(node, ast.Attribute) and node.attr == "engine":
            found.append((node.lineno, ".engine"))
    return [f"{line}: {what}" for line, what in sorted(found)]


def test_screens_do_no_database_work_outside_the_runner() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted((PACKAGE / "ui").rglob("*.py"))
        if (found := _database_work_on_the_ui_thread(path))
    }
    assert offenders == {}


def test_the_database_work_check_sees_a_session_a_read_and_the_engine(tmp_path: Path) -> None:
    """The check can fail: a screen opening its own session, reading now, or using the engine is named."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def create(self):\n"
        "    with self.ledger.session() as session:\n"
        "        pass\n"
        "    with runner.ledger.operation(actor) as ctx:\n"
        "        pass\n"
        "    facts = self.runner.read_now(ledger_facts)\n"
        "    where = ledger.engine.url\n"
        "    self.runner.call(change_own_password, old, new)  # the way: fine\n",
        encoding="utf-8",
    )
    assert _database_work_on_the_ui_thread(sneaky) == [
        "2: .session()",
        "4: .operation()",
        "6: .read_now()",
        "7: .engine",
    ]
    assert _database_work_on_the_ui_thread(PACKAGE / "ui" / "ops.py") == []  # allowed there, and only there
