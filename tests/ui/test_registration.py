"""The 登记 form: keyboard entry, live ID/phone checks that block saving, repeat visitors, drafts."""

from __future__ import annotations

import itertools

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import func, select

from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import Outcome, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, find_case
from xinfang_desk.ui import case_view
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.registration import DRAFT_NAME, RegistrationPage


def open_page(qtbot, runner: OpRunner, *, keep: bool = True) -> RegistrationPage:
    page = RegistrationPage(runner)
    if keep:
        qtbot.addWidget(page)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    qtbot.waitUntil(lambda: bool(page.category.choices()))
    return page


def type_text(widget: QWidget, text: str) -> None:
    """Type like a clerk: Latin letters and digits as key presses, Chinese through the input method."""
    for ascii_run, run in itertools.groupby(text, str.isascii):
        chunk = "".join(run)
        if ascii_run:
            QTest.keyClicks(widget, chunk)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(chunk)
            QApplication.sendEvent(widget, event)


def type_and_tab(text: str) -> None:
    """Type into the field that has the focus, then press Tab."""
    type_text(QApplication.focusWidget(), text)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def case_count(ledger) -> int:
    with ledger.session() as session:
        return session.scalar(select(func.count(Case.id)))


def wait_for_question(qtbot, text: str) -> QMessageBox:
    found: list[QMessageBox] = []

    def asked() -> bool:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and text in box.text():
            found.append(box)
            return True
        return False

    qtbot.waitUntil(asked)
    return found[0]


def click(box: QMessageBox, label: str) -> None:
    button = next(b for b in box.buttons() if b.text() == label)
    button.click()


def test_a_walk_in_is_registered_from_the_keyboard(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.channel)
    for text in ("来访", "本单位受理", "申诉求决类", "后勤服务类", "宿舍条件与维修"):
        type_and_tab(text)
    assert QApplication.focusWidget() is page.name, "after the category comes the petitioner's name"
    for text in ("张喆", "11010519491231002X", "13812345678", "学生", "土木工程学院", "2"):
        type_and_tab(text)
    type_and_tab("宿舍热水器损坏两周未修")
    type_and_tab("信访人称多次报修无人处理。")
    assert QApplication.focusWidget() is page.department
    assert page.department.text() == "后勤集团", "the department follows the category's default"
    with qtbot.waitSignal(page.case_registered, timeout=5000) as registered:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    runner.wait()
    case_id = registered.args[0]
    with ledger.session() as session:
        case = find_case(session, case_id)
        assert (case.channel, case.source, case.nature) == ("visit", "own", "claim")
        assert (case.category.name, case.subcategory.name) == ("后勤服务类", "宿舍条件与维修")
        assert case.petitioner.name == "张喆"
        assert case.petitioner.id_number == "11010519491231002X"
        assert case.petitioner.affiliation == "土木工程学院"
        assert case.people_count == 2
        assert case.summary == "宿舍热水器损坏两周未修"
        assert case.status == Status.REGISTERED
        assert (case.proposed_department, case.remarks) == ("后勤集团", "")
        case_no = case.case_no
    assert page.message.text() == f"已登记 {case_no}"
    assert page.name.text() == "" and page.summary.text() == "", "the form is cleared for the next visitor"
    assert not page.has_unsaved_changes()
    assert QApplication.focusWidget() is page.channel


def test_invalid_id_number_or_phone_blocks_saving_with_the_reason_shown(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    page.category.set_text("后勤服务类")
    page.name.setText("张喆")
    page.summary.setText("宿舍热水器损坏")
    QTest.keyClicks(page.id_number.edit, "110105194912310021")
    assert page.id_number.reason_label.isVisibleTo(page)
    assert "校验位" in page.id_number.reason_label.text()
    page.save()
    assert "身份证号码有误" in page.message.text()
    assert QApplication.focusWidget() is page.id_number.edit

    page.id_number.setText("11010519491231002X")
    assert not page.id_number.reason_label.isVisibleTo(page)
    QTest.keyClicks(page.phone.edit, "1381234567")
    assert "11位" in page.phone.reason_label.text()
    QTest.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "联系电话有误" in page.message.text()
    runner.wait()
    assert case_count(ledger) == 0

    QTest.keyClick(page.phone.edit, Qt.Key.Key_8)
    assert page.phone.is_valid()
    with qtbot.waitSignal(page.case_registered, timeout=5000):
        page.save()
    assert case_count(ledger) == 1


def test_a_superior_forwarding_needs_its_deadline(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    assert not page.superior_due.isVisibleTo(page)
    page.source.set_text("上级转办")
    assert page.superior_due.isVisibleTo(page)
    page.category.set_text("教学管理类")
    page.name.setText("王昇")
    page.summary.setText("考试安排冲突")
    page.save()
    assert "上级交办单规定的办理期限" in page.message.text()
    assert case_count(ledger) == 0


def test_five_or_more_people_are_marked_collective(qtbot, ledger):
    page = open_page(qtbot, OpRunner(ledger))
    page.people_count.setValue(4)
    assert not page.collective_mark.isVisibleTo(page)
    page.people_count.setValue(5)
    assert page.collective_mark.isVisibleTo(page)


def test_a_returning_petitioner_is_offered_and_linked_as_repeat(qtbot, ledger, register_case):
    earlier_id = register_case(petitioner=PetitionerInput(name="李玥", phone="13912345678"))
    with ledger.session() as session:
        workflow = Workflow(session, "主任")
        earlier = find_case(session, earlier_id)
        workflow.accept(earlier)
        workflow.reply(earlier, Outcome.SOLVED, "已维修")
        workflow.close(earlier)
        earlier_no = earlier.case_no
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    type_text(page.name, "李玥")
    QTest.keyClicks(page.phone.edit, "13912345678")
    qtbot.waitUntil(lambda: len(page.candidate_cards()) == 1)
    card = page.candidate_cards()[0]
    assert card.case.case_no == earlier_no
    assert card.button.text() == "关联为重复访"
    card.button.click()
    assert page.link_banner.text() == f"本案将登记为 {earlier_no} 的重复访。"
    page.category.set_text("后勤服务类")
    page.summary.setText("热水器再次损坏")
    with qtbot.waitSignal(page.case_registered, timeout=5000) as registered:
        page.save()
    with ledger.session() as session:
        case = find_case(session, registered.args[0])
        assert case.is_repeat
        assert case.repeat_of_id == earlier_id


def test_an_open_earlier_case_is_shown_as_still_handled_and_opens(qtbot, ledger, register_case):
    earlier_id = register_case(petitioner=PetitionerInput(name="李玥", id_number="11010519491231002X"))
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    QTest.keyClicks(page.id_number.edit, "11010519491231002X")
    qtbot.waitUntil(lambda: len(page.candidate_cards()) == 1)
    card = page.candidate_cards()[0]
    assert card.case.is_open
    assert card.button.text() == "在原案件中记录"
    assert "仍在办理中" in page.side_hint.text()
    card.button.click()
    view = case_view._open_views[earlier_id]
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.details is not None)
    assert view.isVisible() and view.details.id == earlier_id


def test_esc_asks_before_discarding(qtbot, ledger):
    page = open_page(qtbot, OpRunner(ledger))
    page.summary.setText("宿舍热水器损坏")
    QTest.keyClick(page.summary, Qt.Key.Key_Escape)
    box = wait_for_question(qtbot, "放弃本次登记")
    click(box, "继续填写")
    assert page.summary.text() == "宿舍热水器损坏"
    QTest.keyClick(page.summary, Qt.Key.Key_Escape)
    click(wait_for_question(qtbot, "放弃本次登记"), "放弃")
    assert page.summary.text() == ""
    assert not page.has_unsaved_changes()


def test_an_interrupted_entry_is_offered_back_after_a_crash(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner, keep=False)
    page.category.set_text("权益保障类")
    page.subcategory.set_text("奖助学金评定")
    type_text(page.name, "赵䶮")
    QTest.keyClicks(page.phone.edit, "13712345678")
    page.people_count.setValue(7)
    page.anonymous.setChecked(True)
    type_text(page.summary, "助学金评定结果未公示")
    typed = page.form_values()
    qtbot.waitUntil(
        lambda: page.drafts.load(DRAFT_NAME) is not None and page.drafts.load(DRAFT_NAME).fields == typed
    )
    runner.wait()
    shiboken6.delete(page)  # the program dies: no close, no flush

    again = open_page(qtbot, runner)
    box = wait_for_question(qtbot, "发现未保存的登记草稿，是否恢复？")
    click(box, "恢复")
    assert again.form_values() == typed
    assert again.has_unsaved_changes()
    with qtbot.waitSignal(again.case_registered, timeout=5000):
        again.save()
    assert again.drafts.load(DRAFT_NAME) is None, "a saved case removes its draft"


def test_closing_keeps_the_draft_at_once_and_a_discarded_offer_removes_it(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner, keep=False)
    page.summary.setText("食堂价格上涨")
    page.close()
    assert page.drafts.load(DRAFT_NAME).fields["summary"] == "食堂价格上涨"
    page.deleteLater()

    again = open_page(qtbot, runner)
    click(wait_for_question(qtbot, "发现未保存的登记草稿"), "丢弃")
    assert again.summary.text() == ""
    assert again.drafts.load(DRAFT_NAME) is None
