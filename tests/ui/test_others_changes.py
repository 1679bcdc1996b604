"""Open windows learn of what another program (another clerk, the command line) wrote to the same ledger.

The writer is a real second process (``xinfang-desk case …``); the window refreshes with no user action.
On the PostgreSQL pass the ledger is on the server and the news comes by LISTEN/NOTIFY.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ui.ledger_model import COLUMNS
from xinfang_desk.ui.main_window import DASHBOARD, LEDGER, MainWindow
from xinfang_desk.ui.ops import OpRunner


def _cli(*args: str) -> str:
    """Run ``xinfang-desk`` in a process of its own; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "xinfang_desk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _registration(folder: Path, summary: str) -> Path:
    path = folder / "registration.json"
    received = datetime.now().replace(microsecond=0).isoformat(sep=" ")
    entry = {
        "category": "后勤服务类",
        "summary": summary,
        "received_at": received,
        "petitioner": {"name": "王昇"},
    }
    path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def window(ledger: Ledger, tmp_path: Path, qsettings_dir: Path, qtbot):
    runner = OpRunner(ledger)
    window = MainWindow(runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    runner.watch_others(interval_ms=200)
    window.show()
    qtbot.waitUntil(
        lambda: window.dashboard.data is not None and not window.ledger_page.model.busy, timeout=20000
    )
    yield window
    runner.wait()


def _shown_summaries(window: MainWindow) -> list[str]:
    model = window.ledger_page.model
    column = next(i for i, c in enumerate(COLUMNS) if c.key == "summary")
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def test_a_case_another_program_registers_and_accepts_shows_up_without_user_action(
    window: MainWindow, ledger_location: str | Path, tmp_path: Path, qtbot
):
    location = str(ledger_location)
    window.show_page(DASHBOARD)
    registered = window.dashboard.data.dashboard.tile("registered").count

    case_no = _cli(
        "case", "register", "--db", location, "--json", str(_registration(tmp_path, "澡堂热水时有时无"))
    )

    # the dashboard on screen counts it …
    qtbot.waitUntil(
        lambda: window.dashboard.data.dashboard.tile("registered").count == registered + 1, timeout=15000
    )
    # … and the 台账 lists it
    window.show_page(LEDGER)
    qtbot.waitUntil(lambda: "澡堂热水时有时无" in _shown_summaries(window), timeout=15000)

    # a case open in its own window follows the step another clerk takes on it
    from xinfang_desk.ui.case_view import show_case

    view = show_case(
        window.runner, window.ledger_page.model.case_id(_shown_summaries(window).index("澡堂热水时有时无"))
    )
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.details is not None, timeout=10000)
    before = view.status_chip.text()
    _cli("case", "accept", case_no, "--db", location)
    qtbot.waitUntil(lambda: view.status_chip.text() != before, timeout=15000)
    assert view.status_chip.text() == "已受理"

    # looking for others' changes never shows the window busy
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=15000)
    shown_busy: list[bool] = []
    window.runner.busy_changed.connect(shown_busy.append)
    qtbot.wait(1000)  # several looks
    assert shown_busy == []


def test_this_windows_own_change_is_announced_once_and_anothers_still_comes(
    ledger: Ledger, ledger_location: str | Path, tmp_path: Path, qtbot
):
    from tests.helpers import draft
    from xinfang_desk.ledger.operations.cases import register_case

    runner = OpRunner(ledger)
    runner.watch_others(interval_ms=100)
    announced: list[frozenset[int]] = []
    runner.changed.connect(lambda changes: announced.append(changes.case_ids))

    registered: list[int] = []
    runner.call(register_case, draft(summary="本窗口登记"), on_success=lambda ref: registered.append(ref.id))
    qtbot.waitUntil(lambda: registered != [], timeout=15000)
    qtbot.wait(800)  # several looks
    assert announced == [frozenset(registered)]

    case_no = _cli(
        "case", "register", "--db", str(ledger_location), "--json", str(_registration(tmp_path, "他人登记"))
    )
    qtbot.waitUntil(lambda: len(announced) == 2, timeout=15000)
    qtbot.wait(800)
    assert len(announced) == 2 and len(announced[1]) == 1 and announced[1] != announced[0]
    assert case_no
    runner.wait()
