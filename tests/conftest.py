"""Shared test fixtures: Qt runs offscreen, a fresh ledger per test, Qt settings kept in a temp folder."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The command line and the app write a log; the tests' goes to a temporary folder, not the user's.
os.environ["XINFANG_DESK_LOG_DIR"] = tempfile.mkdtemp(prefix="xinfang-desk-test-log-")
# Qt objects must die on the UI thread: no automatic collection (it could run on the database
# worker); each test's garbage is collected on the main thread after it (see ui/garbage.py).
gc.disable()

from xinfang_desk.ledger.db import Ledger  # noqa: E402
from xinfang_desk.ledger.reference import create_ledger  # noqa: E402


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A new, empty ledger of the unit JWC (教务处) in a temporary file."""
    opened = create_ledger(tmp_path / "ledger.sqlite", "JWC", "教务处")
    yield opened
    opened.close()


@pytest.fixture
def qsettings_dir(tmp_path: Path) -> Iterator[Path]:
    """Point QSettings (native and INI, user scope) at a temp folder so tests never touch the user's."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    folder.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def register_case(ledger: Ledger):
    """Register a case through the workflow (a 学生 walk-in about 宿舍维修 unless overridden); returns its id."""
    from tests.helpers import draft
    from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

    def register(actor: str = "接待员", **overrides) -> int:
        petitioner = overrides.pop("petitioner", None) or PetitionerInput(name="张喆", phone="13812345678")
        with ledger.session() as session:
            case = Workflow(session, actor).register(draft(petitioner=petitioner, **overrides))
            session.flush()
            return case.id

    return register


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    yield
    gc.collect()
