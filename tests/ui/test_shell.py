"""The app shell: first run, dashboard tiles that filter the ledger, settings that persist, shortcuts, closing."""

from __future__ import annotations

import argparse
import threading
import time as clock
from datetime import date, datetime

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontDatabase, QFontMetrics, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from sqlalchemy import func, select

from xinfang_desk.fonts import CJK_FAMILY
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.models import Case, Department, LedgerInfo
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import Channel, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput
from xinfang_desk.ui import app as app_module
from xinfang_desk.ui.first_run import FirstRunDialog, demo_ledger_path, start_demo_build
from xinfang_desk.ui.fonts_qt import install_fonts
from xinfang_desk.ui.main_window import DASHBOARD, LEDGER, REGISTRATION, SETTINGS, MainWindow
from xinfang_desk.ui.ops import OpRunner


@pytest.fixture
def runner(ledger, qtbot):
    build_demo(ledger, cases=300, seed=3, today=date.today())
    runner = OpRunner(ledger)
    yield runner
    runner.wait()


@pytest.fixture
def settings(tmp_path, qsettings_dir):
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(runner, settings, qtbot):
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: window.dashboard.data is not None and not window.ledger_page.model.busy, timeout=10000
    )
    return window


def count(ledger, *conditions) -> int:
    with ledger.session() as s:
        return int(s.scalar(select(func.count(Case.id)).where(*conditions)))


# -- first run ------------------------------------------------------------------------------------
def test_first_run_dialog_creates_the_units_ledger(tmp_path, qtbot):
    path = tmp_path / "new" / "ledger.sqlite"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    dialog.unit_name.setText("土木工程学院")
    dialog.unit_code.setText("tmxy")
    assert "TMXY-" in dialog.preview.text()
    dialog.office.setChecked(True)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == FirstRunDialog.DialogCode.Accepted, timeout=20000)
    assert dialog.ledger is not None
    dialog.ledger.close()
    reopened = Ledger.open(path)
    info = reopened.info()
    reopened.close()
    assert (info["unit_name"], info["unit_code"], info["office"]) == ("土木工程学院", "TMXY", "1")


def test_first_run_dialog_explains_a_bad_unit_code_and_creates_nothing(tmp_path, qtbot):
    path = tmp_path / "ledger.sqlite"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    dialog.unit_name.setText("图书馆")
    dialog.unit_code.setText("图书")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != FirstRunDialog.DialogCode.Accepted
    assert "单位代码" in dialog.error.text()
    assert not path.exists()


def test_the_unit_code_takes_only_what_a_case_number_can_hold(tmp_path, qtbot):
    """The preview never shows a case number the ledger would then refuse: "-" and spaces are not typed."""
    dialog = FirstRunDialog(tmp_path / "ledger.sqlite")
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.unit_code, "tm-1 xy_2")
    assert dialog.unit_code.text() == "tm1xy_2"
    assert "TM1XY_2-" in dialog.preview.text()
    QTest.keyClicks(dialog.unit_code, "abcdefghijklmnop")
    assert len(dialog.unit_code.text()) == 16


def test_demo_option_opens_a_demo_ledger_beside_the_default_one(tmp_path, monkeypatch, qtbot):
    monkeypatch.setenv("XINFANG_DESK_DB", str(tmp_path / "mine.sqlite"))
    args = argparse.Namespace(demo=True, db=None, demo_cases=40)
    ledger, needs_demo = app_module.open_or_set_up(args)
    assert needs_demo
    assert ledger.path == demo_ledger_path().resolve()
    assert not (tmp_path / "mine.sqlite").exists()
    runner = OpRunner(ledger)
    with qtbot.waitSignal(runner.changed, timeout=30000) as blocker:
        start_demo_build(runner, None, cases=40)
    assert blocker.args[0].everything
    assert count(ledger) == 40
    runner.wait()
    ledger.close()
    again, needs_again = app_module.open_or_set_up(args)
    assert not needs_again, "an existing demo ledger is opened, not rebuilt"
    again.close()


def test_demo_option_with_a_path_builds_the_demo_there(tmp_path):
    path = tmp_path / "试用.sqlite"
    ledger, needs_demo = app_module.open_or_set_up(argparse.Namespace(demo=True, db=path, demo_cases=0))
    assert needs_demo and ledger.path == path.resolve()
    ledger.close()


def test_db_option_opens_that_ledger_a_file_or_a_server_database(ledger, ledger_location):
    opened, needs_demo = app_module.open_or_set_up(app_module.parse_args(["--db", str(ledger_location)]))
    assert opened.path == ledger.path and not needs_demo
    assert opened.unit_code == "JWC"
    opened.close()


def test_a_server_address_with_a_password_or_with_demo_is_refused(capsys):
    with pytest.raises(SystemExit) as refused:
        app_module.parse_args(["--db", "postgresql+psycopg://台账:secret@服务器/jwc"])
    assert refused.value.code == 2 and ".pgpass" in capsys.readouterr().err
    args = app_module.parse_args(["--demo", "--db", "postgresql+psycopg://台账@服务器/jwc"])
    with pytest.raises(LedgerError, match="演示台账只能是本机上的文件"):
        app_module.open_or_set_up(args)


# -- fonts ----------------------------------------------------------------------------------------
def test_the_shipped_font_draws_rare_name_characters(qapp):
    family = install_fonts(qapp)
    assert family == CJK_FAMILY
    assert QApplication.font().families()[0] == CJK_FAMILY
    assert CJK_FAMILY in QFontDatabase.families()
    metrics = QFontMetrics(QApplication.font())
    for char in "喆堃昇玥䶮信访〔〕":
        assert metrics.inFontUcs4(ord(char)), char


# -- dashboard ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key", ["registered", "overdue", "due_soon", "awaiting_follow_up", "accepted_this_year"]
)
def test_clicking_a_tile_lists_exactly_its_cases_in_the_ledger(window, qtbot, key):
    button = window.dashboard.tiles[key]
    shown = int(button.value_label.text())
    with qtbot.waitSignal(window.ledger_page.model.query_finished, timeout=10000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_page() == LEDGER
    assert window.ledger_page.model.total == shown == button.tile.count
    assert window.ledger_page.count_label.text() == f"共 {shown:,} 件"


def test_overdue_tile_counts_what_sql_counts_and_is_red(window, runner):
    open_ = ("registered", "accepted", "assigned", "in_progress", "replied", "evaluated")
    overdue = count(runner.ledger, Case.status.in_(open_), Case.due_on < date.today())
    tile = window.dashboard.tiles["overdue"]
    assert int(tile.value_label.text()) == overdue
    assert (tile.property("tone") == "danger") == (overdue > 0)


def test_dashboard_counts_refresh_when_a_case_is_registered(window, runner, qtbot):
    before = int(window.dashboard.tiles["today"].value_label.text())

    with qtbot.waitSignal(window.dashboard.refreshed, timeout=10000):
        runner.call(
            cases.register_case,
            CaseDraft(
                channel=Channel.PHONE,
                source=Source.OWN,
                nature=Nature.SUGGESTION,
                category="教学管理类",
                summary="建议图书馆延长开放时间",
                petitioner=PetitionerInput(name="周昇"),
                received_at=datetime.now().replace(microsecond=0),
            ),
        )
    assert int(window.dashboard.tiles["today"].value_label.text()) == before + 1


def test_urgent_list_opens_its_case(window, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(window, "open_case", lambda case_id: opened.append(case_id))
    window.dashboard.case_opened.disconnect()
    window.dashboard.case_opened.connect(window.open_case)
    table = window.dashboard.urgent_table
    assert table.rowCount() > 0
    table.setFocus()
    table.setCurrentCell(0, 1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened == [table.item(0, 1).data(Qt.ItemDataRole.UserRole)]


# -- settings -------------------------------------------------------------------------------------
def test_a_changed_setting_is_saved_and_announced(window, runner, qtbot):
    window.show_page(SETTINGS)
    page = window.settings_page
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=5000)
    page.general_inputs["due_soon_days"].setValue(7)
    page.rule_kinds["rule.handle"].setCurrentIndex(page.rule_kinds["rule.handle"].findData("workday"))
    page.unit_name.setText("教务处（本科生院）")
    with qtbot.waitSignal(runner.changed, timeout=5000) as blocker:
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].reference
    with runner.ledger.session() as s:
        stored = Settings.load(s)
        assert stored.due_soon_days == 7
        assert stored.rule("handle").kind == "workday"
        assert s.get(LedgerInfo, "unit_name").value == "教务处（本科生院）"
    window.show_page(DASHBOARD)  # pages out of sight refresh when shown
    qtbot.waitUntil(
        lambda: window.dashboard.tiles["due_soon"].title_label.text() == "7日内到期", timeout=5000
    )
    qtbot.waitUntil(lambda: "教务处（本科生院）" in window.windowTitle(), timeout=5000)


def test_departments_can_be_added_and_deactivated(window, runner, qtbot):
    window.show_page(SETTINGS)
    page = window.settings_page
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=5000)
    page.new_department.setText("体育部")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.add_department()
    names = [page.department_list.item(i).text() for i in range(page.department_list.count())]
    assert "体育部" in names
    item = page.department_list.item(names.index("体育部"))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        item.setCheckState(Qt.CheckState.Unchecked)
    with runner.ledger.session() as s:
        assert s.scalars(select(Department.active).where(Department.name == "体育部")).one() is False


def test_the_calendar_warning_names_years_the_holiday_data_lacks(window, qtbot):
    import chinese_calendar

    window.show_page(SETTINGS)
    page = window.settings_page
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=5000)
    missing = []
    for year in (date.today().year, date.today().year + 1):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            missing.append(year)
    assert page.calendar_warning.isVisibleTo(page) == bool(missing)
    for year in missing:
        assert f"{year}年" in page.calendar_warning.text()


# -- shell ----------------------------------------------------------------------------------------
def test_page_shortcuts_and_search_focus(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    for index, key in ((LEDGER, Qt.Key.Key_3), (SETTINGS, Qt.Key.Key_4), (DASHBOARD, Qt.Key.Key_1)):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() == index
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == LEDGER
    assert window.ledger_page.search_box.hasFocus()
    window.show_page(DASHBOARD)
    assert window.new_action.shortcut() == QKeySequence("Ctrl+N")
    window.new_action.trigger()
    assert window.current_page() == REGISTRATION
    assert window.new_action.shortcut().isEmpty(), "on the form, Ctrl+N is the form's own 新登记"


def test_window_remembers_its_page(window, runner, settings, qtbot):
    window.show_page(LEDGER)
    window.close()
    again = MainWindow(runner, settings)
    qtbot.addWidget(again)
    assert again.current_page() == LEDGER


def test_opening_an_open_case_raises_its_window(window, runner, qtbot):
    from xinfang_desk.ui.case_view import CaseView

    case_id = window.ledger_page.model.case_id(0)
    window.open_case(case_id)
    window.open_case(case_id)
    views = [w for w in QApplication.topLevelWidgets() if isinstance(w, CaseView) and w.isVisible()]
    assert [v.case_id for v in views] == [case_id]
    window.close()
    qtbot.waitUntil(
        lambda: not any(isinstance(w, CaseView) and w.isVisible() for w in QApplication.topLevelWidgets())
    )


def test_closing_waits_for_the_worker(window, runner):
    finished = threading.Event()

    def slow(_session, _progress):
        clock.sleep(0.4)
        finished.set()

    runner.run(slow)
    window.close()
    assert finished.is_set()


def _menu_texts(window) -> set[str]:
    return {action.text() for menu in window.menuBar().findChildren(QMenu) for action in menu.actions()}


def test_office_actions_appear_only_in_an_office_ledger(tmp_path, window, settings, qtbot):
    assert "导入 Excel 台账…" in _menu_texts(window)
    assert "合并各单位台账…" not in _menu_texts(window)
    office = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    office_runner = OpRunner(office)
    office_window = MainWindow(office_runner, settings)
    qtbot.addWidget(office_window)
    assert {"合并各单位台账…", "导出汇总台账…"} <= _menu_texts(office_window)
    office_runner.wait()


# -- keyboard first, nothing by accident -----------------------------------------------------------
def test_ctrl_n_puts_the_cursor_in_the_first_field(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.show_page(DASHBOARD)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == REGISTRATION
    form = window.registration.form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.channel, timeout=3000)
    assert form.channel.lineEdit().selectedText() == "来访", "typing replaces the default at once"


def test_the_window_title_names_the_unit_once(window, qtbot):
    qtbot.waitUntil(lambda: window.unit_name != "", timeout=5000)
    assert window.windowTitle() == window.unit_name
    assert "信访台账" not in window.windowTitle(), "Qt adds the program's name itself"


def _open_settings(window, qtbot):
    window.show_page(SETTINGS)
    page = window.settings_page
    qtbot.waitUntil(lambda: page.snapshot is not None and not page.has_unsaved_changes(), timeout=5000)
    return page


def _answer(qtbot, text: str, button: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    found = []
    qtbot.waitUntil(
        lambda: (
            isinstance(QApplication.activeModalWidget(), QMessageBox)
            and text in QApplication.activeModalWidget().text()
            and not found.append(QApplication.activeModalWidget())
        ),
        timeout=3000,
    )
    next(b for b in found[0].buttons() if b.text() == button).click()


def test_leaving_settings_with_unsaved_changes_asks(window, runner, qtbot):
    page = _open_settings(window, qtbot)
    days = page.general_inputs["due_soon_days"]
    days.setValue(days.value() + 4)
    window.show_page(DASHBOARD)
    _answer(qtbot, "设置的修改尚未保存", "取消")
    assert window.current_page() == SETTINGS and days.value() == Settings().due_soon_days + 4

    window.show_page(LEDGER)
    _answer(qtbot, "设置的修改尚未保存", "放弃修改")
    assert window.current_page() == LEDGER
    qtbot.waitUntil(lambda: not page.has_unsaved_changes(), timeout=5000)
    with runner.ledger.session() as s:
        assert Settings.load(s).due_soon_days == Settings().due_soon_days

    page = _open_settings(window, qtbot)
    page.general_inputs["due_soon_days"].setValue(9)
    with qtbot.waitSignal(page.saved, timeout=5000):
        window.show_page(DASHBOARD)
        _answer(qtbot, "设置的修改尚未保存", "保存")
    assert window.current_page() == DASHBOARD
    with runner.ledger.session() as s:
        assert Settings.load(s).due_soon_days == 9


def test_the_wheel_over_a_setting_scrolls_and_changes_nothing(window, qtbot):
    from tests.ui.test_registration import wheel

    page = _open_settings(window, qtbot)
    days = page.general_inputs["due_soon_days"]
    kind = page.rule_kinds["rule.handle"]
    before = (days.value(), kind.currentIndex())
    window.settings_page.setFocus()
    wheel(days, steps=-3)
    wheel(kind, steps=-3)
    assert (days.value(), kind.currentIndex()) == before
    assert not page.has_unsaved_changes()


def test_the_urgent_list_holds_every_overdue_and_due_soon_case_with_its_count(window, runner, qtbot):
    from datetime import timedelta

    from tests.helpers import draft
    from xinfang_desk.ledger.workflow import Workflow

    with runner.ledger.session() as session:
        workflow = Workflow(session, "接待员")
        for days_ago in (13,) * 9 + (20,) * 6:  # the 15-day decision deadline: due soon, or overdue
            received = datetime.now().replace(microsecond=0) - timedelta(days=days_ago)
            workflow.register(draft(received_at=received, summary=f"待决定事项{days_ago}"))
    with qtbot.waitSignal(window.dashboard.refreshed, timeout=10000):
        window.refresh()
    tiles = window.dashboard.tiles
    overdue, due_soon = int(tiles["overdue"].value_label.text()), int(tiles["due_soon"].value_label.text())
    assert overdue + due_soon > 12, "the demo ledger has more than a screenful"
    table = window.dashboard.urgent_table
    assert table.rowCount() == overdue + due_soon, "none is left out"
    assert window.dashboard.urgent_title.text() == (
        f"最需关注的在办事项（{overdue + due_soon} 件：已超期 {overdue}，临期 {due_soon}）"
    )
    shown = {table.item(r, 1).data(Qt.ItemDataRole.UserRole) for r in range(table.rowCount())}
    assert len(shown) == overdue + due_soon
    rows_height = sum(table.rowHeight(r) for r in range(table.rowCount()))
    qtbot.waitUntil(  # every row can be reached: the table scrolls once Qt has laid it out, or all fit
        lambda: table.verticalScrollBar().maximum() > 0 or rows_height <= table.viewport().height(),
        timeout=3000,
    )


def test_the_dashboard_says_it_is_still_building_until_the_demo_is_written(ledger, settings, qtbot):
    runner = OpRunner(ledger)
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=10000)
    app_module.build_demo_in(window, runner, 60)
    dashboard = window.dashboard
    assert dashboard.building_banner.isVisible() and "正在生成演示案件" in dashboard.building_banner.text()
    assert all(tile.value_label.text() == "…" for tile in dashboard.tiles.values()), "no all-zero figures"
    qtbot.waitUntil(lambda: not dashboard.building_banner.isVisible(), timeout=30000)
    qtbot.waitUntil(
        lambda: dashboard.tiles["accepted_this_year"].value_label.text() not in ("…", "0"), timeout=10000
    )
    assert count(ledger) == 60
    runner.wait()


QUIT_AFTER_START = r"""
import sys
from PySide6.QtCore import QTimer
from xinfang_desk.ui import app

shown = app.MainWindow.show

def show_then_quit(self):
    shown(self)
    self.ledger_page.model.query_finished.connect(lambda _t: QTimer.singleShot(500, self.close))
    self.show_page(1)

app.MainWindow.show = show_then_quit
sys.exit(app.main(["--db", sys.argv[1]]))
"""


def test_the_app_starts_and_quits_cleanly_on_a_large_ledger(tmp_path) -> None:
    """No "Fatal Python error" at exit; the lock is given back and a backup was taken at close."""
    import os
    import subprocess
    import sys

    from xinfang_desk.ledger.backups import backups_of
    from xinfang_desk.ledger.instance_lock import lock_path

    path = tmp_path / "large.sqlite"
    ledger = create_ledger(path, "JWC", "教务处", demo=True)  # a demo: no sign-in dialog in the way
    build_demo(ledger, cases=5000, seed=9, today=date(2026, 11, 25))
    ledger.close()
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run(
        [sys.executable, "-c", QUIT_AFTER_START, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Fatal Python error" not in result.stderr
    assert not lock_path(path).exists()
    assert backups_of(path)
