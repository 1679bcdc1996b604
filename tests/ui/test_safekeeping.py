"""The app keeps its ledger safe: 从备份恢复… puts a backup back, a failed check stops writing, the daily
backup, and the backup folder and count chosen on the 设置 page."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from sqlalchemy import func, select

from tests.commands.test_file_safety import small_mount
from tests.helpers import draft
from xinfang_desk.ledger.backups import backup_folder, backup_name, backups_of, take_backup
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.operations.queries import matching_count
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.ui import backup_settings, safekeeping
from xinfang_desk.ui.main_window import SETTINGS, MainWindow
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


# -- the daily backup -------------------------------------------------------------------------------
def test_the_app_backs_up_once_a_day(window, tmp_path) -> None:
    keeping, path = window.safekeeping, window.runner.ledger.path
    folder = str(tmp_path / "share")
    _register(window.runner.ledger, 1)
    keeping.backup_if_due()
    window.runner.wait()
    [first] = backups_of(path, folder)
    keeping.backup_if_due()  # the hourly look, the same day: nothing to do
    window.runner.wait()
    assert backups_of(path, folder) == [first]
    day_ago = datetime.now() - timedelta(hours=25)
    older = first.rename(first.with_name(backup_name(path, day_ago)))
    os.utime(older, (day_ago.timestamp(), day_ago.timestamp()))
    keeping.backup_if_due()
    window.runner.wait()
    assert len(backups_of(path, folder)) == 2 and backups_of(path, folder)[1] == older


# -- 从备份恢复… ---------------------------------------------------------------------------------------
def _when_restore_dialog_opens(window, act: Callable[[safekeeping.RestoreDialog], None]) -> None:
    """Act on the restore dialog once it is shown (its ``exec`` holds the test until it closes)."""

    def look() -> None:
        dialog = getattr(window.safekeeping, "restore_dialog", None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, look)
            return
        act(dialog)

    QTimer.singleShot(0, look)


def _click_restore(dialog: safekeeping.RestoreDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_the_restore_dialog_lists_the_backups_and_restores_the_chosen_one_after_asking(
    window, tmp_path, qtbot, monkeypatch
) -> None:
    ledger, path = window.runner.ledger, window.runner.ledger.path
    folder = backup_folder(path, str(tmp_path / "share"))
    _register(ledger, 2)
    older = take_backup(ledger, folder / backup_name(path, datetime(2025, 3, 1, 8)))
    _register(ledger, 2)
    newer = take_backup(ledger, folder / backup_name(path, datetime(2025, 3, 2, 8)))
    _register(ledger, 1)
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(
        safekeeping.QMessageBox, "question", lambda _p, _t, text: asked.append(text) or next(answers)
    )
    told: list[str] = []
    monkeypatch.setattr(safekeeping.QMessageBox, "information", lambda _p, _t, text: told.append(text))
    listed: list[str] = []

    def choose_older(dialog: safekeeping.RestoreDialog) -> None:
        listed[:] = [dialog.list.item(i).text() for i in range(dialog.list.count())]
        dialog.list.setCurrentRow(1)
        _click_restore(dialog)

    _when_restore_dialog_opens(window, choose_older)
    window.safekeeping.restore()  # answered 否: nothing happens
    assert [newer.name in listed[0], older.name in listed[1]] == [True, True], "newest first"
    assert older.name in asked[0] and "会先备份" in asked[0]
    window.runner.wait()
    assert _cases(window.runner.ledger) == 5

    _when_restore_dialog_opens(window, choose_older)
    window.safekeeping.restore()  # answered 是
    qtbot.waitUntil(lambda: bool(told), timeout=10000)
    assert _cases(window.runner.ledger) == 2
    assert older.name in told[0] and "完整性检查通过" in told[0]
    assert any("恢复前" in p.name for p in backups_of(path, str(tmp_path / "share")))


def test_a_file_that_is_no_backup_is_refused_in_chinese_and_the_ledger_stays(
    window, tmp_path, qtbot, monkeypatch
) -> None:
    _register(window.runner.ledger, 3)
    not_a_backup = tmp_path / "照片.sqlite"
    not_a_backup.write_bytes(os.urandom(8192))
    monkeypatch.setattr(safekeeping.QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(not_a_backup), ""))
    monkeypatch.setattr(safekeeping.QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    _when_restore_dialog_opens(window, lambda dialog: dialog.findChildren(safekeeping.QPushButton)[0].click())
    window.safekeeping.restore()

    def refusal() -> str:
        texts = [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]
        return texts[0] if texts else ""

    qtbot.waitUntil(lambda: bool(refusal()), timeout=10000)
    assert "照片.sqlite" in refusal() and "Error" not in refusal()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal())
    assert _cases(window.runner.ledger) == 3
    _register(window.runner.ledger, 1)  # the ledger kept is open and takes writes
    assert _cases(window.runner.ledger) == 4


# -- the 设置 page's 自动备份 box ---------------------------------------------------------------------
def test_the_backup_folder_and_count_chosen_on_settings_decide_the_next_backups(
    window, tmp_path, qtbot, monkeypatch
) -> None:
    window.show_page(SETTINGS)
    box = window.settings_page.backups
    assert box is not None and box.folder.text() == str(tmp_path / "share")
    stick = tmp_path / "U盘"
    stick.mkdir()
    monkeypatch.setattr(backup_settings.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(stick))
    qtbot.mouseClick(box.choose_button, Qt.MouseButton.LeftButton)
    assert box.folder.text() == str(stick) and str(stick) in box.message.text()
    box.keep.setValue(3)
    assert "3 份" in box.message.text()

    path = window.runner.ledger.path
    _register(window.runner.ledger, 1)
    earlier = []
    for day in range(1, 5):  # four older backups already on the stick
        earlier.append(
            take_backup(
                window.runner.ledger, stick / path.stem / backup_name(path, datetime(2025, 3, day, 8))
            )
        )
    window.safekeeping.backup_at_close()
    kept = backups_of(path, str(stick))
    assert len(kept) == 3 and kept[1:] == earlier[:1:-1], "the new one and the two newest before it"
    assert backups_of(path, str(tmp_path / "share")) == []

    qtbot.mouseClick(box.default_button, Qt.MouseButton.LeftButton)
    assert box.folder.text() == str(path.with_name("备份"))
    window.safekeeping.backup_at_close()
    assert len(backups_of(path)) == 1


def test_a_backup_folder_that_cannot_be_written_is_refused_on_settings_and_the_old_one_stays(
    window, tmp_path, qtbot, monkeypatch
) -> None:
    window.show_page(SETTINGS)
    box = window.settings_page.backups
    with small_mount(tmp_path) as mount:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        monkeypatch.setattr(backup_settings.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(mount))
        qtbot.mouseClick(box.choose_button, Qt.MouseButton.LeftButton)
    assert "只读的或没有写入权限" in box.message.text() and "请选择另一个文件夹" in box.message.text()
    shown = [b.text() for b in box.findChildren(QMessageBox)] + [
        b.text() for b in window.findChildren(QMessageBox)
    ]
    assert any("只读的或没有写入权限" in text for text in shown)
    assert box.folder.text() == str(tmp_path / "share")
    assert window.settings.value("backup/folder") == str(tmp_path / "share")
