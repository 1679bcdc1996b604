"""Opening a ledger an older program wrote: its upgrade runs off the UI thread under 升级台账, and 取消 leaves
the ledger file exactly as it was."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QPushButton

from tests.helpers import older_demo_ledger, revision_and_cases
from xinfang_desk.ledger import db
from xinfang_desk.ledger.errors import UpgradeCancelled
from xinfang_desk.ui import app as app_module
from xinfang_desk.ui import upgrade_dialog
from xinfang_desk.ui.upgrade_dialog import UpgradeRun

CASES = 40


def previous_revision() -> str:
    revision = db.known_revisions()[db.head_revision()]
    assert revision is not None
    return revision


def open_through_the_app(path: Path) -> db.Ledger | None:
    ledger, needs_demo = app_module.open_or_set_up(app_module.parse_args(["--db", str(path)]))
    assert not needs_demo
    return ledger


def watch_the_dialog(monkeypatch: pytest.MonkeyPatch, seen: list[tuple[str, bool, str]]) -> None:
    """Note, as each stage is reported to the dialog, whether it is on screen and what it says."""
    reported = UpgradeRun._reported

    def noted(self: UpgradeRun, stage: str, done: int, total: int) -> None:
        reported(self, stage, done, total)
        seen.append((stage, self.dialog.isVisible(), self.dialog.labelText()))

    monkeypatch.setattr(UpgradeRun, "_reported", noted)


def test_an_older_ledger_is_upgraded_off_the_ui_thread_under_the_dialog_and_opens_with_every_case(
    tmp_path: Path, qtbot, qsettings_dir, monkeypatch
) -> None:
    path = tmp_path / "old.sqlite"
    numbers = older_demo_ledger(path, CASES, previous_revision())
    seen: list[tuple[str, bool, str]] = []
    watch_the_dialog(monkeypatch, seen)
    threads: list[bool] = []
    run = db.PendingUpgrade.run

    def on_which_thread(self: db.PendingUpgrade, *args, **kwargs) -> None:
        threads.append(threading.current_thread() is threading.main_thread())
        run(self, *args, **kwargs)

    monkeypatch.setattr(db.PendingUpgrade, "run", on_which_thread)

    ledger = open_through_the_app(path)
    assert ledger is not None
    ledger.close()
    assert threads == [False], "the upgrade ran on a worker, not on the UI thread"
    assert list(dict.fromkeys(stage for stage, _visible, _text in seen)) == ["备份", "升级", "整理"]
    assert all(visible for _stage, visible, _text in seen)
    (backup,) = tmp_path.glob(f"old.sqlite.before-upgrade-{previous_revision()}-*.bak")
    said = seen[0][2]
    assert "正在升级台账“old.sqlite”" in said and backup.name in said
    assert revision_and_cases(path) == (db.head_revision(), numbers)
    assert revision_and_cases(backup) == (previous_revision(), numbers)


@pytest.mark.parametrize("answer", ["退出", "重试"])
def test_cancelling_the_upgrade_leaves_the_ledger_file_as_it_was(
    tmp_path: Path, qtbot, qsettings_dir, monkeypatch, answer: str
) -> None:
    path = tmp_path / "old.sqlite"
    numbers = older_demo_ledger(path, CASES, previous_revision())
    before = path.read_bytes()
    seen: list[tuple[str, bool, str]] = []
    watch_the_dialog(monkeypatch, seen)
    upgrade = db.upgrade
    held = [True]

    def held_until_cancelled(*args, stop, **kwargs) -> None:
        """The first upgrade lasts until the user cancels it, as a long one would."""
        deadline = time.monotonic() + 30
        while held[0] and not stop() and time.monotonic() < deadline:
            time.sleep(0.01)
        held[0] = False
        upgrade(*args, stop=stop, **kwargs)

    monkeypatch.setattr(db, "upgrade", held_until_cancelled)
    clicked: list[str] = []

    def user() -> None:
        """Press 取消 once the upgrade is under way, then answer the 已取消升级 box."""
        box = upgrade_dialog.cancelled_box
        if box is not None and box.isVisible():
            button = next(b for b in box.buttons() if b.text() == answer)
            clicked.append(answer)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            return
        upgrading = [text for stage, _visible, text in seen if stage == "升级"]
        if upgrading and not clicked:
            dialogs = [w for w in app_module.QApplication.topLevelWidgets() if w.windowTitle() == "升级台账"]
            cancel = dialogs[0].findChild(QPushButton)
            clicked.append("取消")
            qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    clock = QTimer()
    clock.timeout.connect(user)
    clock.start(20)
    try:
        if answer == "退出":
            with pytest.raises(UpgradeCancelled, match="未作任何改动"):
                open_through_the_app(path)
        else:
            ledger = open_through_the_app(path)
            assert ledger is not None
            ledger.close()
    finally:
        clock.stop()
    assert clicked == ["取消", answer]
    if answer == "退出":
        assert path.read_bytes() == before, "not a byte of the ledger file changed"
        assert revision_and_cases(path) == (previous_revision(), numbers)
        assert list(tmp_path.glob("*.before-upgrade-*")) == [], "the copy of an unchanged ledger is not kept"
    else:
        assert revision_and_cases(path) == (db.head_revision(), numbers)
        assert len(list(tmp_path.glob("old.sqlite.before-upgrade-*.bak"))) == 1
