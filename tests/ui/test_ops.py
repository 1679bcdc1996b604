"""The database worker: results come back on the UI thread, errors as Chinese text, closed windows left alone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QThread
from PySide6.QtWidgets import QWidget

from tests.helpers import draft
from xinfang_desk.ledger.errors import WorkflowError
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor, OpResult
from xinfang_desk.ledger.workflow import find_case
from xinfang_desk.ui.ops import Changes, OpRunner, error_text


def test_result_and_change_arrive_on_the_ui_thread(ledger, qtbot) -> None:
    runner = OpRunner(ledger, Actor("接待员小王"))
    seen: dict[str, object] = {}

    def work(ctx, progress):
        seen["worker"] = QThread.currentThread()
        return cases.register_case(ctx, draft())

    with qtbot.waitSignal(runner.changed, timeout=5000) as changed:
        runner.run(work, on_success=lambda r: seen.update(result=r, ui=QThread.currentThread()))
    registered = seen["result"]
    assert registered.case_no.startswith("JWC-")
    assert seen["ui"] is QCoreApplication.instance().thread()
    assert seen["worker"] is not seen["ui"]
    assert changed.args[0].case_ids == {registered.id}, "the core names the case it changed"
    with ledger.session() as session:
        assert find_case(session, registered.id).events[0].actor == "接待员小王"


def test_a_query_announces_no_change(ledger, qtbot) -> None:
    runner = OpRunner(ledger)
    answers: list[object] = []
    with qtbot.assertNotEmitted(runner.changed, wait=100):
        runner.call(cases.reference_choices, on_success=answers.append)
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert "后勤服务类" in answers[0].categories


def test_a_window_closed_during_its_job_is_not_called_back(ledger, qtbot) -> None:
    runner = OpRunner(ledger)
    window = QWidget()
    called: list[object] = []
    release = []

    def slow(ctx, progress):
        while not release:
            QThread.msleep(5)
        return OpResult("done", Changes(everything=True))

    with qtbot.waitSignal(runner.changed, timeout=5000):
        runner.run(slow, on_success=called.append, parent=window)
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        release.append(True)
    assert called == []


def test_errors_read_as_chinese_sentences() -> None:
    assert error_text(WorkflowError("案件尚未受理，不能答复。")) == "案件尚未受理，不能答复。"
    assert "数据没有改变" in error_text(ZeroDivisionError())


def test_a_ledger_busy_elsewhere_is_one_sentence_and_a_retry(tmp_path, qtbot, monkeypatch) -> None:
    import sqlite3

    from sqlalchemy import func, select

    from xinfang_desk.ledger.db import Ledger
    from xinfang_desk.ledger.models import Department
    from xinfang_desk.ledger.reference import create_ledger
    from xinfang_desk.ledger.storage import sqlite as sqlite_backend

    path = tmp_path / "busy.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 300)
    ledger = Ledger.open(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
    runner = OpRunner(ledger)
    added: list[int] = []

    def add_department(ctx, progress) -> int:
        ctx.session.add(Department(name="后勤处"))
        ctx.session.flush()
        return ctx.session.scalar(select(func.count(Department.id)))

    runner.run(add_department, on_success=added.append)
    qtbot.waitUntil(lambda: runner.busy_prompt is not None, timeout=5000)
    assert "台账正由" in runner.busy_prompt.text() and "请稍候" in runner.busy_prompt.text()
    assert added == []
    other.execute("COMMIT")
    other.close()
    retry = next(b for b in runner.busy_prompt.buttons() if b.text() == "重试")
    retry.click()
    qtbot.waitUntil(lambda: bool(added), timeout=5000)
    runner.wait()
    with ledger.reading() as s:
        assert s.scalar(select(func.count(Department.id)).where(Department.name == "后勤处")) == 1
    ledger.close()
