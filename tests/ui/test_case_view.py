"""The case view: a walk-in's case taken through its life with the buttons and dialogs, and what it shows."""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QSpinBox

from tests.ui.test_registration import open_page, type_and_tab, type_text
from xinfang_desk.ledger.dashboard import compute_dashboard
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import EventKind, Outcome, Satisfaction, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, find_case
from xinfang_desk.paths import data_dir
from xinfang_desk.private_files import remove_session_folder
from xinfang_desk.ui import case_view as case_view_module
from xinfang_desk.ui.action_dialogs import StepDialog
from xinfang_desk.ui.case_view import CaseView
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.registration import RegistrationPage


@pytest.fixture
def runner(ledger):
    runner = OpRunner(ledger, Actor("主任老李"))
    yield runner
    runner.wait()


def open_view(qtbot, runner: OpRunner, case_id: int) -> CaseView:
    view = CaseView(runner, case_id)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None)
    return view


def shown_steps(view: CaseView) -> list[str]:
    return [view.action_buttons[kind].text() for kind in view.details.actions]


def press(qtbot, view: CaseView, label: str) -> StepDialog:
    """Click the step button ``label`` and return the dialog it opens (the active modal window)."""
    button = next(b for b in view.action_buttons.values() if b.text() == label)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), StepDialog))
    return QApplication.activeModalWidget()


def confirm(qtbot, view: CaseView, dialog: StepDialog, revision_before: int) -> None:
    """Press the dialog's OK and wait until the view shows the changed case."""
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible() and view.details.revision > revision_before, timeout=5000)


def ledger_state(ledger, case_id: int):
    with ledger.session() as session:
        case = find_case(session, case_id)
        board = compute_dashboard(session)
        counts = {tile.key: tile.count for tile in board.tiles}
        facts = SimpleNamespace(
            handle_due_on=case.handle_due_on,
            due_on=case.due_on,
            department=case.department.name if case.department else "",
            extended_days=case.extended_days,
            outcome=case.outcome,
            satisfaction=case.satisfaction,
            closed_on_time=case.closed_on_time,
            review_requested=case.review_requested,
            reopen_count=case.reopen_count,
        )
        return case.status, facts, counts


def test_a_walk_in_goes_from_registration_to_closing_through_the_buttons(qtbot, ledger, runner):
    page: RegistrationPage = open_page(qtbot, runner)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.form.channel)
    for text in ("来访", "后勤服务类", "宿舍条件与维修", "张喆", "", "13812345678"):
        type_and_tab(text)
    for text in ("宿舍热水器损坏两周未修", "多次报修无人处理。"):
        type_and_tab(text)
    with qtbot.waitSignal(page.case_registered, timeout=5000) as registered:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    case_id = registered.args[0]
    status, _, counts = ledger_state(ledger, case_id)
    assert status == Status.REGISTERED
    assert counts["registered"] == 1 and counts["today"] == 1

    view = open_view(qtbot, runner, case_id)
    assert shown_steps(view) == ["受理", "不予受理", "转送", "督办", "再次来访"]

    dialog = press(qtbot, view, "受理")
    type_text(dialog.inputs["note"], "属本单位职责")
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, counts = ledger_state(ledger, case_id)
    assert status == Status.ACCEPTED and case.handle_due_on is not None
    assert counts["registered"] == 0 and counts["accepted_this_year"] == 1
    assert "交办" in shown_steps(view) and "受理" not in shown_steps(view)

    dialog = press(qtbot, view, "交办")
    assert dialog.inputs["department"].text() == "后勤集团", "the category's default department"
    assert dialog.inputs["due_on"].day() == case.handle_due_on, "the case's handling deadline"
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, _ = ledger_state(ledger, case_id)
    assert status == Status.ASSIGNED and case.department == "后勤集团"
    due_before = case.handle_due_on

    dialog = press(qtbot, view, "延期")
    days: QSpinBox = dialog.inputs["days"]
    assert (days.minimum(), days.maximum()) == (1, 30)
    days.setValue(10)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert "请填写延期理由" in dialog.error.text(), "the reason is required"
    type_text(dialog.inputs["reason"], "需采购配件")
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, _ = ledger_state(ledger, case_id)
    assert case.extended_days == 10 and case.handle_due_on >= due_before + timedelta(days=10)
    assert "延期" not in shown_steps(view), "one extension only"

    dialog = press(qtbot, view, "答复")
    outcome: QComboBox = dialog.inputs["outcome"]
    outcome.setCurrentText(Outcome.SOLVED.label)
    type_text(dialog.inputs["text"], "已更换热水器，信访人确认可用")
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, counts = ledger_state(ledger, case_id)
    assert status == Status.REPLIED and case.outcome == Outcome.SOLVED
    assert counts["awaiting_follow_up"] == 1
    assert shown_steps(view) == ["督办", "回访评价", "办结", "再次来访"]

    dialog = press(qtbot, view, "回访评价")
    dialog.inputs["satisfaction"].setCurrentText(Satisfaction.SATISFIED.label)
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, counts = ledger_state(ledger, case_id)
    assert status == Status.EVALUATED and case.satisfaction == Satisfaction.SATISFIED
    assert counts["awaiting_follow_up"] == 0
    assert view.question is None, "a satisfied petitioner raises no reopening question"

    dialog = press(qtbot, view, "办结")
    confirm(qtbot, view, dialog, view.details.revision)
    status, case, counts = ledger_state(ledger, case_id)
    assert status == Status.CLOSED and case.closed_on_time
    assert counts["satisfaction"] == 1
    assert shown_steps(view) == ["重开"]
    assert [row[1] for row in view.timeline.rows()] == [
        "登记",
        "受理",
        "交办",
        "延期",
        "答复",
        "回访评价",
        "办结",
    ]
    assert view.timeline.rows()[1][2] == "主任老李"


def _through(ledger, case_id: int, *steps: str) -> None:
    with ledger.session() as session:
        workflow = Workflow(session, "主任")
        case = find_case(session, case_id)
        for step in steps:
            match step:
                case "accept":
                    workflow.accept(case)
                case "decline":
                    workflow.decline(case, "不属于信访事项")
                case "reply":
                    workflow.reply(case, Outcome.EXPLAINED, "已解释")
                case "close":
                    workflow.close(case)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ((), ["受理", "不予受理", "转送", "督办", "再次来访"]),
        (("accept",), ["交办", "办理进展", "延期", "督办", "答复", "再次来访"]),
        (("accept", "reply", "close"), ["重开"]),
        (("decline",), []),
    ],
)
def test_only_the_steps_valid_for_the_state_are_buttons(
    qtbot, ledger, runner, register_case, steps, expected
):
    case_id = register_case()
    _through(ledger, case_id, *steps)
    view = open_view(qtbot, runner, case_id)
    assert shown_steps(view) == expected
    assert view.actions_hint.text() == ("" if expected else "本案件已终结，无可办理的步骤。")


def test_personal_data_is_masked_until_shown(qtbot, ledger, runner, register_case):
    case_id = register_case(petitioner=PetitionerInput(name="李堃", id_number="11010519491231002X"))
    view = open_view(qtbot, runner, case_id)
    id_value = view.values[("信访人", "身份证号")]
    assert id_value.shown_text() == "1101**********002X"
    id_value.toggle.click()
    assert id_value.shown_text() == "11010519491231002X"
    assert id_value.toggle.text() == "隐藏"


def test_a_refused_step_is_explained_in_the_dialog(qtbot, ledger, runner, register_case):
    long_ago = datetime.now().replace(microsecond=0) - timedelta(days=80)
    case_id = register_case(received_at=long_ago)
    with ledger.session() as session:
        workflow = Workflow(session, "主任")
        case = find_case(session, case_id)
        workflow.accept(case, at=long_ago + timedelta(days=1))
        workflow.reply(case, Outcome.EXPLAINED, "已解释", at=long_ago + timedelta(days=2))
        workflow.close(case, at=long_ago + timedelta(days=3))
    view = open_view(qtbot, runner, case_id)
    dialog = press(qtbot, view, "重开")
    assert dialog.inputs["mode"].currentText() == "信访人申请复查、复核"
    type_text(dialog.inputs["reason"], "信访人申请复查")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "期限" in dialog.error.text())
    assert "Traceback" not in dialog.error.text()
    assert dialog.isVisible(), "the clerk can correct and try again"
    dialog.inputs["mode"].setCurrentText("本单位重新办理")
    confirm(qtbot, view, dialog, view.details.revision)
    assert ledger_state(ledger, case_id)[0] == Status.IN_PROGRESS


def test_dissatisfaction_offers_a_review_request(qtbot, ledger, runner, register_case):
    case_id = register_case()
    _through(ledger, case_id, "accept", "reply")
    view = open_view(qtbot, runner, case_id)
    dialog = press(qtbot, view, "回访评价")
    dialog.inputs["satisfaction"].setCurrentText(Satisfaction.UNSATISFIED.label)
    confirm(qtbot, view, dialog, view.details.revision)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "不满意" in box.text()
    next(b for b in box.buttons() if b.text() == "记录复查申请").click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), StepDialog))
    reopen = QApplication.activeModalWidget()
    assert reopen.kind is EventKind.REOPEN
    assert "申请复查" in reopen.inputs["reason"].toPlainText()
    confirm(qtbot, view, reopen, view.details.revision)
    status, case, _ = ledger_state(ledger, case_id)
    assert status == Status.IN_PROGRESS
    assert case.review_requested and case.reopen_count == 1
    assert case.due_on == case.handle_due_on and case.due_on >= date.today() + timedelta(days=30)
    kinds = [row[1] for row in view.timeline.rows()]
    assert kinds[-2:] == ["回访评价", "重开"], "重新办理 straight from 已回访, no 办结 in between"


def test_dissatisfied_case_offers_reopening_straight_from_evaluated(qtbot, ledger, runner, register_case):
    case_id = register_case()
    _through(ledger, case_id, "accept", "reply")
    with ledger.session() as session:
        Workflow(session, "主任").evaluate(find_case(session, case_id), Satisfaction.UNSATISFIED, "仍不满意")
    view = open_view(qtbot, runner, case_id)
    assert "重新办理" in shown_steps(view)
    dialog = press(qtbot, view, "重新办理")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.inputs["reason"])  # typing starts there
    dialog.inputs["mode"].setCurrentText("本单位重新办理")
    type_text(dialog.inputs["reason"], "信访人对答复不满意，重新办理。")
    confirm(qtbot, view, dialog, view.details.revision)
    assert ledger_state(ledger, case_id)[0] == Status.IN_PROGRESS
    assert [row[1] for row in view.timeline.rows()][-2:] == ["回访评价", "重开"]


def test_a_second_visit_is_recorded_from_the_case_view(qtbot, ledger, runner, register_case):
    case_id = register_case()
    view = open_view(qtbot, runner, case_id)
    dialog = press(qtbot, view, "再次来访")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.inputs["note"])
    QTest.keyClicks(dialog.inputs["note"], "asks about progress")
    dialog.inputs["channel"].setCurrentText("电话")
    confirm(qtbot, view, dialog, view.details.revision)
    rows = view.timeline.rows()
    assert rows[-1][1] == "再次来访"
    assert view.values[("办理", "来访次数")].text() == "2次（含再次来访）"


def test_a_correction_keeps_the_old_value_in_the_history(qtbot, ledger, runner, register_case):
    case_id = register_case(summary="宿舍热水器损坏")
    view = open_view(qtbot, runner, case_id)
    qtbot.mouseClick(view.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is view.dialog)
    dialog = view.dialog
    assert dialog.current.text() == "宿舍热水器损坏"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.value)
    dialog.value.setPlainText("宿舍热水器与空调均损坏")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert "请填写更正理由" in dialog.error.text(), "a correction needs its reason"
    dialog.reason.setText("登记时漏记空调")
    confirm(qtbot, view, dialog, view.details.revision)
    assert view.values[("基本信息", "内容摘要")].text() == "宿舍热水器与空调均损坏"
    last = view.timeline.rows()[-1]
    assert last[1] == "更正"
    assert "“宿舍热水器损坏” → “宿舍热水器与空调均损坏”" in " ".join(str(cell) for cell in last)
    assert "登记时漏记空调" in " ".join(str(cell) for cell in last)


@pytest.mark.parametrize("keys", ["Esc", "Ctrl+W"])
def test_esc_and_ctrl_w_close_a_case_window(qtbot, ledger, runner, register_case, keys):
    case_id = register_case()
    view = case_view_module.show_case(runner, case_id)
    qtbot.waitUntil(lambda: view.details is not None)
    with qtbot.waitActive(view):
        view.activateWindow()
    key, modifier = (
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        if keys == "Esc"
        else (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    )
    QTest.keyClick(view, key, modifier)
    qtbot.waitUntil(lambda: case_id not in case_view_module._open_views, timeout=3000)  # closed, deleted


def test_attachments_are_added_by_dropping_and_opened_in_the_system_viewer(
    qtbot, ledger, runner, register_case, tmp_path, monkeypatch
):
    case_id = register_case()
    scan = tmp_path / "来信扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    view = open_view(qtbot, runner, case_id)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(scan))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(drop)
    qtbot.waitUntil(lambda: view.attachments.count() == 1)
    assert view.attachments.item(0).text().startswith("来信扫描件.pdf")

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    view.open_button.click()
    qtbot.waitUntil(lambda: bool(opened))
    with open(opened[0], "rb") as file:
        assert file.read() == b"%PDF-1.4 scanned letter"
    copy = Path(opened[0])
    assert copy.is_relative_to(data_dir()) and stat.S_IMODE(copy.stat().st_mode) == 0o600
    remove_session_folder()  # what the app does when it closes
    assert not copy.exists()


def test_the_view_follows_changes_made_elsewhere(qtbot, ledger, runner, register_case):
    case_id = register_case()
    view = open_view(qtbot, runner, case_id)
    assert view.status_chip.text() == "待受理"
    other = OpRunner(ledger, Actor("另一位老师"))
    other.changed.connect(runner.changed)  # the app's one announcement of changes
    other.call(cases.perform_step, case_id, EventKind.ACCEPT, {})
    qtbot.waitUntil(lambda: view.status_chip.text() == "已受理")
    assert "交办" in shown_steps(view)


def test_long_timeline_notes_wrap_instead_of_being_cut(qtbot, ledger, runner, register_case):
    case_id = register_case()
    note = "信访人反映宿舍楼热水器自十月起多次损坏，" * 6
    with ledger.session() as session:
        Workflow(session, "主任").accept(find_case(session, case_id), note)
    view = open_view(qtbot, runner, case_id)
    view.resize(900, 700)
    qtbot.waitUntil(lambda: len(view.timeline.rows()) == 2)
    timeline = view.timeline
    item = timeline.topLevelItem(1)
    assert item.text(3).startswith(note)
    line = timeline.fontMetrics().height()
    qtbot.waitUntil(lambda: timeline.visualItemRect(item).height() >= 3 * line)


TEXT_OF_STEP = {
    EventKind.ACCEPT: "note",
    EventKind.DECLINE: "reason",
    EventKind.FORWARD: "to",
    EventKind.ASSIGN: "opinion",
    EventKind.PROGRESS: "note",
    EventKind.EXTEND: "reason",
    EventKind.SUPERVISE: "note",
    EventKind.REPLY: "text",
    EventKind.EVALUATE: "note",
    EventKind.CLOSE: "note",
    EventKind.REOPEN: "reason",
    EventKind.REVISIT: "note",
}


@pytest.mark.parametrize("kind", list(TEXT_OF_STEP))
def test_every_step_dialog_starts_in_its_text_box(qtbot, ledger, runner, register_case, kind):
    view = open_view(qtbot, runner, register_case())
    dialog = StepDialog(kind, view.details, view)
    qtbot.addWidget(dialog)
    dialog.open()
    text_box = dialog.inputs[TEXT_OF_STEP[kind]]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is text_box, timeout=3000)
    QTest.keyClicks(text_box, "typed at once")
    assert "typed at once" in dialog.values()[TEXT_OF_STEP[kind]]


def test_a_merged_case_shows_its_units_history_marked_as_that_units_record(qtbot, tmp_path) -> None:
    from tests.bad_workbooks import unit_ledger
    from xinfang_desk.export.exchange.merge import merge_workbooks
    from xinfang_desk.ledger.reference import create_ledger

    unit = unit_ledger(tmp_path, "HQ", "后勤集团", datetime(2025, 1, 6, 9))
    number = unit.register(datetime(2025, 1, 6, 9))
    unit.close_case(number, datetime(2025, 1, 20, 10))
    export = unit.export(tmp_path / "hq.xlsx")
    unit.ledger.close()
    office = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    with office.session() as session:
        merge_workbooks(session, [export], "督办室主任")
        case_id = find_case(session, number).id
    runner = OpRunner(office, Actor("督办室主任"))
    try:
        view = open_view(qtbot, runner, case_id)
        rows = view.timeline.rows()
        assert [row[1] for row in rows] == ["登记", "受理", "交办", "答复", "回访评价", "办结"]
        assert rows[0][:3] == ("2025-01-06 09:00", "登记", "接待员（后勤集团台账记录）")
        assert rows[2][2] == "主任（后勤集团台账记录）" and "请按期办理" in rows[2][3]
        assert "已修好" in rows[3][3] and "解决到位" in rows[3][3]
        assert "后勤集团" in view.timeline.topLevelItem(0).toolTip(2)
        assert shown_steps(view) == []  # another unit's case: no step of the office's own
    finally:
        runner.wait()
        office.close()


def test_a_case_window_opens_with_enter_on_its_next_step(qtbot, ledger, runner, register_case):
    view = open_view(qtbot, runner, register_case())
    with qtbot.waitActive(view):
        view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.action_buttons[EventKind.ACCEPT])
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # a focused button presses on Space/Enter
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), StepDialog))
    assert QApplication.activeModalWidget().kind is EventKind.ACCEPT


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter], ids=["Return", "Enter"])
def test_ctrl_enter_sends_a_step_from_its_text_box(qtbot, ledger, runner, register_case, key):
    case_id = register_case()
    view = open_view(qtbot, runner, case_id)
    dialog = press(qtbot, view, "受理")
    note = dialog.inputs["note"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is note, timeout=3000)
    type_text(note, "材料齐全")
    QTest.keyClick(note, Qt.Key.Key_Return)  # Enter alone starts a new line
    type_text(note, "同意受理")
    assert dialog.isVisible()
    QTest.keyClick(note, key, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible() and view.details.status is Status.ACCEPTED, timeout=5000)
    assert ledger_state(ledger, case_id)[0] == Status.ACCEPTED
    assert "材料齐全\n同意受理" in view.timeline.rows()[-1][3]
