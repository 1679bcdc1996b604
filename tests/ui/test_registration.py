"""The 登记 form: keyboard entry, live ID/phone checks that block saving, repeat visitors, drafts."""

from __future__ import annotations

import itertools
from datetime import datetime

import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QInputMethodEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import func, select

from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.moments import HINT
from xinfang_desk.ledger.vocab import Outcome, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, find_case
from xinfang_desk.ui import case_view
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.registration import DRAFT_NAME, RegistrationPage
from xinfang_desk.ui.wheel_guard import install_wheel_guard


def open_page(qtbot, runner: OpRunner, *, keep: bool = True) -> RegistrationPage:
    page = RegistrationPage(runner)
    if keep:
        qtbot.addWidget(page)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    qtbot.waitUntil(lambda: bool(page.form.category.choices()))
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
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.form.channel)
    for text in ("来访", "后勤服务类", "宿舍条件与维修"):
        type_and_tab(text)
    assert QApplication.focusWidget() is page.form.name, "after the category comes the petitioner's name"
    for text in ("张喆", "11010519491231002X", "13812345678"):
        type_and_tab(text)
    type_and_tab("宿舍热水器损坏两周未修")
    type_and_tab("信访人称多次报修无人处理。")
    for text in ("本单位受理", "申诉求决类", "学生", "土木工程学院", "2"):
        type_and_tab(text)
    assert QApplication.focusWidget() is page.form.department
    assert page.form.department.text() == "后勤集团", "the department follows the category's default"
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
    assert page.form.name.text() == "" and page.form.summary.text() == "", (
        "the form is cleared for the next visitor"
    )
    assert not page.has_unsaved_changes()
    assert QApplication.focusWidget() is page.form.channel


def test_invalid_id_number_or_phone_blocks_saving_with_the_reason_shown(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    page.form.category.set_text("后勤服务类")
    page.form.name.setText("张喆")
    page.form.summary.setText("宿舍热水器损坏")
    QTest.keyClicks(page.form.id_number.edit, "110105194912310021")
    assert page.form.id_number.reason_label.isVisibleTo(page)
    assert "校验位" in page.form.id_number.reason_label.text()
    page.save()
    assert "身份证号码有误" in page.message.text()
    assert QApplication.focusWidget() is page.form.id_number.edit

    page.form.id_number.setText("11010519491231002X")
    assert not page.form.id_number.reason_label.isVisibleTo(page)
    QTest.keyClicks(page.form.phone.edit, "1381234567")
    assert "11位" in page.form.phone.reason_label.text()
    QTest.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "联系电话有误" in page.message.text()
    runner.wait()
    assert case_count(ledger) == 0

    QTest.keyClick(page.form.phone.edit, Qt.Key.Key_8)
    assert page.form.phone.is_valid()
    with qtbot.waitSignal(page.case_registered, timeout=5000):
        page.save()
    assert case_count(ledger) == 1


def test_a_superior_forwarding_needs_its_deadline(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    assert not page.form.superior_due.isVisibleTo(page)
    page.form.source.set_text("上级转办")
    assert page.form.superior_due.isVisibleTo(page)
    page.form.category.set_text("教学管理类")
    page.form.name.setText("王昇")
    page.form.summary.setText("考试安排冲突")
    page.save()
    assert "上级交办单规定的办理期限" in page.message.text()
    assert case_count(ledger) == 0


def test_five_or_more_people_are_marked_collective(qtbot, ledger):
    page = open_page(qtbot, OpRunner(ledger))
    page.form.people_count.setValue(4)
    assert not page.form.collective_mark.isVisibleTo(page)
    page.form.people_count.setValue(5)
    assert page.form.collective_mark.isVisibleTo(page)


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
    type_text(page.form.name, "李玥")
    QTest.keyClicks(page.form.phone.edit, "13912345678")
    qtbot.waitUntil(lambda: len(page.candidate_cards()) == 1)
    card = page.candidate_cards()[0]
    assert card.case.case_no == earlier_no
    assert card.button.text() == "关联为重复访"
    card.button.click()
    assert page.earlier.link_banner.text() == f"本案将登记为 {earlier_no} 的重复访。"
    page.form.category.set_text("后勤服务类")
    page.form.summary.setText("热水器再次损坏")
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
    QTest.keyClicks(page.form.id_number.edit, "11010519491231002X")
    qtbot.waitUntil(lambda: len(page.candidate_cards()) == 1)
    card = page.candidate_cards()[0]
    assert card.case.is_open
    assert card.button.text() == "在原案件中记录来访"
    assert "仍在办理中" in page.earlier.hint.text()
    card.open_button.click()
    view = case_view._open_views[earlier_id]
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.details is not None)
    assert view.isVisible() and view.details.id == earlier_id


def test_esc_asks_before_discarding(qtbot, ledger):
    page = open_page(qtbot, OpRunner(ledger))
    page.form.summary.setText("宿舍热水器损坏")
    QTest.keyClick(page.form.summary, Qt.Key.Key_Escape)
    box = wait_for_question(qtbot, "放弃本次登记")
    click(box, "继续填写")
    assert page.form.summary.text() == "宿舍热水器损坏"
    QTest.keyClick(page.form.summary, Qt.Key.Key_Escape)
    click(wait_for_question(qtbot, "放弃本次登记"), "放弃")
    assert page.form.summary.text() == ""
    assert not page.has_unsaved_changes()


def test_an_interrupted_entry_is_offered_back_after_a_crash(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner, keep=False)
    page.form.category.set_text("权益保障类")
    page.form.subcategory.set_text("奖助学金评定")
    type_text(page.form.name, "赵䶮")
    QTest.keyClicks(page.form.phone.edit, "13712345678")
    page.form.people_count.setValue(7)
    page.form.anonymous.setChecked(True)
    type_text(page.form.summary, "助学金评定结果未公示")
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
    page.form.summary.setText("食堂价格上涨")
    page.close()
    assert page.drafts.load(DRAFT_NAME).fields["summary"] == "食堂价格上涨"
    page.deleteLater()

    again = open_page(qtbot, runner)
    click(wait_for_question(qtbot, "发现未保存的登记草稿"), "丢弃")
    assert again.form.summary.text() == ""
    assert again.drafts.load(DRAFT_NAME) is None


# -- keyboard first, nothing by accident, the open matter ------------------------------------------
def test_a_walk_in_needs_only_its_values_one_tab_per_field_and_ctrl_s(qtbot, ledger):
    """形式, 类别, 姓名, 身份证号, 电话, 摘要, 内容 — keyboard only, every key counted."""
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    form = page.form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.channel)
    walk_in = [
        (form.channel, "来访"),
        (form.category, "后勤服务类"),
        (form.name, "张喆"),
        (form.id_number.edit, "11010519491231002X"),
        (form.phone.edit, "13812345678"),
        (form.summary, "宿舍热水器损坏两周未修"),
        (form.content, "信访人称多次报修无人处理。"),
    ]
    keys = 0
    for position, (field, value) in enumerate(walk_in):
        assert QApplication.focusWidget() is field, f"field {position + 1} is reached by Tab"
        type_text(field, value)
        keys += len(value)
        if position + 1 < len(walk_in):
            while QApplication.focusWidget() is not walk_in[position + 1][0] and keys < 10_000:
                QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
                keys += 1
    with qtbot.waitSignal(page.case_registered, timeout=5000) as registered:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    typed = sum(len(value) for _field, value in walk_in)
    assert keys <= typed + len(walk_in) + 1, f"{keys} keys for {typed} typed characters"
    with ledger.session() as session:
        case = find_case(session, registered.args[0])
        assert (case.channel, case.category.name, case.petitioner.name) == ("visit", "后勤服务类", "张喆")
        assert (case.petitioner.id_number, case.petitioner.phone) == ("11010519491231002X", "13812345678")
        assert (case.summary, case.content) == ("宿舍热水器损坏两周未修", "信访人称多次报修无人处理。")


def test_the_received_time_is_typed_in_one_field(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    form = page.form
    form.category.set_text("后勤服务类")
    form.name.setText("张喆")
    form.summary.setText("宿舍热水器损坏")
    form.received_at.edit.setFocus()
    form.received_at.edit.selectAll()
    QTest.keyClicks(form.received_at.edit, "20250303 0930")
    QTest.keyClick(form.received_at.edit, Qt.Key.Key_Tab)
    assert form.received_at.edit.text() == "2025-03-03 09:30", "the field shows what it read"
    with qtbot.waitSignal(page.case_registered, timeout=5000) as registered:
        page.save()
    with ledger.session() as session:
        assert find_case(session, registered.args[0]).received_at == datetime(2025, 3, 3, 9, 30)


def test_every_problem_is_listed_and_the_list_follows_the_corrections(qtbot, ledger):
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    form = page.form
    form.received_at.edit.setText("明年")
    form.received_at.edit.textEdited.emit("明年")
    page.save()
    said = page.message.text()
    for problem in ("请从列表中选择问题类别", "请填写信访人姓名", "请填写内容摘要", "收件时间有误"):
        assert problem in said
    assert said.startswith("不能保存，请修改以下 4 处")
    form.category.set_text("后勤服务类")
    assert "问题类别" not in page.message.text() and "以下 3 处" in page.message.text()
    form.name.setText("张喆")
    form.summary.setText("宿舍热水器损坏")
    assert page.message.text() == "收件时间有误：无法识别日期“明年”。" + HINT
    form.received_at.edit.setText("今天")
    assert page.message.text() == "", "fixed: the message is gone"
    runner.wait()
    assert case_count(ledger) == 0


def wheel(widget: QWidget, steps: int = -1) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_form_and_never_changes_an_unfocused_choice(qtbot, ledger):
    install_wheel_guard(QApplication.instance())
    page = open_page(qtbot, OpRunner(ledger))
    page.resize(900, 420)
    form = page.form
    form.channel.setFocus()
    bar = page.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    for field, before in ((form.identity_type, "学生"), (form.source, "本单位受理")):
        page.scroll.ensureWidgetVisible(field)
        position = bar.value()
        wheel(field.lineEdit())
        wheel(field)
        assert field.text() == before, "the value stays"
        assert bar.value() != position, "the page scrolled instead"
    people = form.people_count
    wheel(people, steps=1)
    assert people.value() == 1
    people.setFocus()
    qtbot.waitUntil(people.hasFocus)
    wheel(people, steps=1)
    assert people.value() == 2, "a field the clerk is in still takes the wheel"


def _earlier_open_case(ledger, register_case) -> tuple[int, str]:
    case_id = register_case(petitioner=PetitionerInput(name="李玥", id_number="11010519491231002X"))
    with ledger.session() as session:
        return case_id, find_case(session, case_id).case_no


def _fill_a_second_visit(page: RegistrationPage, summary: str) -> None:
    form = page.form
    form.category.set_text("后勤服务类")
    form.name.setText("李玥")
    form.id_number.setText("11010519491231002X")
    form.summary.setText(summary)


def _events(ledger, case_id: int) -> list[tuple[str, str, dict]]:
    with ledger.session() as session:
        rows = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
        return [(event.kind, event.note, dict(event.data or {})) for event in rows]


def test_saving_for_an_open_matter_asks_and_records_the_visit_on_it(qtbot, ledger, register_case):
    earlier_id, earlier_no = _earlier_open_case(ledger, register_case)
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    _fill_a_second_visit(page, "再次反映热水器仍未修好")
    page.save()
    box = wait_for_question(qtbot, earlier_no)
    assert box.windowTitle() == "同一事项仍在办理中"
    click(box, "返回修改")
    runner.wait()
    assert case_count(ledger) == 1 and page.form.summary.text() == "再次反映热水器仍未修好"

    page.save()
    click(wait_for_question(qtbot, earlier_no), "在原案件中记录来访")
    qtbot.waitUntil(lambda: page.message.text() == f"已在 {earlier_no} 中记录再次来访。", timeout=5000)
    assert case_count(ledger) == 1, "no new case"
    kind, note, data = _events(ledger, earlier_id)[-1]
    assert (kind, note, data["channel"]) == ("revisit", "再次反映热水器仍未修好", "visit")
    assert page.form.summary.text() == "" and not page.has_unsaved_changes()


def test_a_new_case_for_an_open_matter_needs_explicit_confirmation(qtbot, ledger, register_case):
    _earlier_id, earlier_no = _earlier_open_case(ledger, register_case)
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    _fill_a_second_visit(page, "另有宿舍漏水问题")
    page.save()
    box = wait_for_question(qtbot, earlier_no)
    with qtbot.waitSignal(page.case_registered, timeout=5000):
        click(box, "确属新事项，新建案件")
    assert case_count(ledger) == 2


def test_the_open_cases_card_records_the_visit_after_confirmation(qtbot, ledger, register_case):
    earlier_id, earlier_no = _earlier_open_case(ledger, register_case)
    runner = OpRunner(ledger)
    page = open_page(qtbot, runner)
    _fill_a_second_visit(page, "来电催问维修进度")
    page.form.channel.set_text("电话")
    qtbot.waitUntil(lambda: len(page.candidate_cards()) == 1)
    page.candidate_cards()[0].button.click()
    box = wait_for_question(qtbot, f"在 {earlier_no} 中记录一次再次来访（电话）")
    click(box, "记录来访")
    qtbot.waitUntil(lambda: _events(ledger, earlier_id)[-1][0] == "revisit", timeout=5000)
    assert _events(ledger, earlier_id)[-1][1:] == ("来电催问维修进度", {"channel": "phone"})
    assert case_count(ledger) == 1
