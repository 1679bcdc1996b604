"""The app keeps its ledger safe: 从备份恢复… puts a backup back, a failed check stops writing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import func, select

from tests.helpers import draft
from xinfang_desk.ledger.backups import backups_of, take_backup
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.operations.queries import matching_count
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.ui import safekeeping
from xinfang_desk.ui.main_window import MainWindow
from xinfang_desk.ui.ops import OpRunner


@pytest.fixture
def window(ledger, tmp_path, qsettings_dir, qtbot, monkeypatch):
    monkeypatch.setattr(safekeeping.QMessageBox, "information", lambda *a, **k: None)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    settings.setValue("backup/folder", str(tmp_path / "share"))
    settings.setValue("backup/keep", 2)
    runner = OpRunner(ledger, Actor("测试员"))
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    yield window
    runner.wait()


def _register(ledger, n: int) -> None:
    with ledger.session() as s:
        for i in range(n):
            Workflow(s, "接待员").register(draft(summary=f"第{i}件"))


def _cases(ledger) -> int:
    with ledger.reading() as s:
        return int(s.scalar(select(func.count(Case.id))))


def test_restore_from_backup_in_the_app_puts_it_back_and_keeps_what_it_replaced(window, qtbot) -> None:
    menu = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "从备份恢复…" in menu and "备份台账…" in menu
    runner = window.runner
    _register(runner.ledger, 2)
    backup = take_backup(runner.ledger, configured=window.settings.value("backup/folder"))
    _register(runner.ledger, 3)
    counted: list[int] = []
    window.safekeeping.restore_from(backup)
    assert runner.busy, "the restore runs on the database worker, not in the window"
    runner.call(matching_count, CaseFilter(), on_success=counted.append, write=False)  # queued behind it
    qtbot.waitUntil(lambda: bool(counted), timeout=20000)
    assert counted == [2], "a job queued during the restore runs on the restored ledger"
    assert _cases(runner.ledger) == 2
    kept = backups_of(runner.ledger.path, window.settings.value("backup/folder"))
    assert any("恢复前" in p.name for p in kept)
    _register(runner.ledger, 1)  # the reopened ledger takes writes
    assert _cases(runner.ledger) == 3


def test_a_ledger_failing_the_background_check_refuses_writes_and_offers_a_backup(
    window, qtbot, monkeypatch
) -> None:
    runner = window.runner
    monkeypatch.setattr(
        type(runner.ledger), "problems", lambda self, quick=False: ["Page 7: btreeInitPage()"]
    )
    window.safekeeping.start()
    qtbot.waitUntil(lambda: getattr(window.safekeeping, "damage_prompt", None) is not None, timeout=5000)
    prompt = window.safekeeping.damage_prompt
    assert "已损坏" in prompt.text() and "从备份恢复…" in [b.text() for b in prompt.buttons()]
    failures = []
    runner.run(lambda s, _p: _register(runner.ledger, 1), on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert "已损坏" in str(failures[0])
    prompt.close()


def test_the_automatic_backup_at_close_goes_to_the_configured_folder(window, tmp_path) -> None:
    _register(window.runner.ledger, 1)
    for _ in range(3):
        window.safekeeping.backup_at_close()
    kept = backups_of(window.runner.ledger.path, str(tmp_path / "share"))
    assert 1 <= len(kept) <= 2 and kept[0].parent.parent == tmp_path / "share"


def test_a_refused_restore_says_why_reports_no_success_and_keeps_the_ledger(
    window, qtbot, tmp_path, monkeypatch
) -> None:
    shown: list[str] = []
    told: list[object] = []
    monkeypatch.setattr(safekeeping, "show_error", lambda _parent, error, *_a: shown.append(str(error)))
    monkeypatch.setattr(safekeeping.QMessageBox, "information", lambda *a, **_k: told.append(a))
    _register(window.runner.ledger, 2)
    bogus = tmp_path / "不是台账.sqlite"
    bogus.write_bytes(b"not a ledger at all " * 200)
    window.safekeeping.restore_from(bogus)
    qtbot.waitUntil(lambda: bool(shown) and not window.runner.busy, timeout=20000)
    assert told == [] and "台账" in shown[0]
    assert _cases(window.runner.ledger) == 2
    _register(window.runner.ledger, 1)  # the reopened ledger takes writes
    assert _cases(window.runner.ledger) == 3


def test_a_damaged_ledger_can_still_be_restored_from_its_backup(window, qtbot, monkeypatch) -> None:
    runner = window.runner
    _register(runner.ledger, 2)
    backup = take_backup(runner.ledger, configured=window.settings.value("backup/folder"))
    runner.ledger.damaged = True  # as the background check leaves a ledger that failed it
    told: list[str] = []
    errors: list[str] = []
    monkeypatch.setattr(safekeeping.QMessageBox, "information", lambda _w, _t, text: told.append(text))
    monkeypatch.setattr(
        safekeeping.QMessageBox, "question", lambda *_a, **_k: safekeeping.QMessageBox.StandardButton.Yes
    )
    monkeypatch.setattr(safekeeping, "show_error", lambda _parent, error, *_a: errors.append(str(error)))

    def choose(dialog) -> int:
        dialog.chosen = backup
        return safekeeping.QDialog.DialogCode.Accepted

    monkeypatch.setattr(safekeeping.RestoreDialog, "exec", choose)
    window.safekeeping.restore()
    qtbot.waitUntil(lambda: bool(told or errors), timeout=20000)
    assert errors == [] and "已从" in told[0]
    assert not runner.ledger.damaged and _cases(runner.ledger) == 2


def test_a_damaged_ledger_still_lists_its_cases(window, qtbot) -> None:
    """Writes are refused, yet the user can still read what the ledger holds while deciding what to do."""
    runner = window.runner
    _register(runner.ledger, 3)
    runner.wait()
    runner.ledger.damaged = True
    model = window.ledger_page.model
    model.set_filter(CaseFilter())
    qtbot.waitUntil(lambda: not model.busy, timeout=20000)
    assert model.total == 3 and model.rowCount() == 3
