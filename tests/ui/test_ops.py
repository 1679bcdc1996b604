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


def test_the_app_registers_while_a_command_line_import_runs_and_nothing_fails(tmp_path, qtbot) -> None:
    import os
    import subprocess
    import sys
    from datetime import date

    from sqlalchemy import func, select

    from tests.exchange.test_import_ledger import excel_ledger, row
    from tests.helpers import draft
    from xinfang_desk.ledger.db import Ledger
    from xinfang_desk.ledger.models import Case
    from xinfang_desk.ledger.reference import create_ledger
    from xinfang_desk.ledger.workflow import Workflow

    path = tmp_path / "shared.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    workbook = excel_ledger(
        tmp_path / "old.xlsx",
        [
            row(案件编号=f"2024-{i:03d}", 登记日期=date(2024, 5, 1 + i % 28), 办理状态="待受理")
            for i in range(200)
        ],
    )
    ledger = Ledger.open(path)
    runner = OpRunner(ledger)
    importer = subprocess.Popen(
        [sys.executable, "-m", "xinfang_desk", "import-ledger", str(workbook), "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    registered: list[int] = []
    failed: list[BaseException] = []

    def register(ctx, _progress) -> int:
        case = Workflow(ctx.session, "接待员").register(draft(summary="窗口登记"))
        ctx.session.flush()
        return case.id

    def answered() -> int:
        return len(registered) + len(failed)

    while importer.poll() is None or answered() < 10:
        before = answered()
        runner.run(register, on_success=registered.append, on_failure=failed.append)
        qtbot.waitUntil(lambda before=before: answered() > before, timeout=30000)
    out, err = importer.communicate()
    runner.wait()
    assert failed == [] and runner.busy_prompt is None
    assert importer.returncode == 0, err
    with ledger.reading() as s:
        assert s.scalar(select(func.count(Case.id))) == len(registered) + 200
    ledger.close()
