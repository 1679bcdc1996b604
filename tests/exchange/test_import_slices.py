"""An import written in slices: stopped halfway it keeps whole cases only, and run again it goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.exchange.test_import_ledger import CLOSED, PENDING, excel_ledger, row, run
from tests.helpers import draft
from xinfang_desk.export.exchange import import_ledger as importing
from xinfang_desk.export.exchange.import_ledger import ImportCancelled, import_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.workflow import Workflow


@pytest.fixture
def row_by_row(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every row its own slice (a commit after each case), as on a slow machine with a long file."""
    monkeypatch.setattr(importing._Slices, "COMMIT_EVERY", 0.0)
    yield


def accepted(i: int) -> dict[str, object]:
    day = date(2024, 1 + i % 12, 1 + i % 28)
    return row(案件编号=f"2024-{i:04d}", 登记日期=day, 受理日期=day, 内容摘要=f"第{i}件", 办理状态="已受理")


def cases_and_events(ledger: Ledger) -> list[tuple[str, str, list[str]]]:
    """Every case's number, status and event kinds in order."""
    with ledger.reading() as s:
        cases = s.execute(select(Case.id, Case.case_no, Case.status).order_by(Case.id)).all()
        kinds: dict[int, list[str]] = {}
        for case_id, kind in s.execute(
            select(CaseEvent.case_id, CaseEvent.kind).order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            kinds.setdefault(case_id, []).append(kind)
    return [(no, status, kinds.get(case_id, [])) for case_id, no, status in cases]


def test_a_cancelled_import_keeps_whole_cases_and_a_second_run_adds_only_the_rest(
    ledger: Ledger, tmp_path: Path, row_by_row: None
) -> None:
    path = excel_ledger(tmp_path / "台账.xlsx", [accepted(i) for i in range(12)])
    asked = iter(range(100))
    with pytest.raises(ImportCancelled) as stopped, ledger.session() as session:
        import_ledger(session, path, "接待员", cancelled=lambda: next(asked) >= 5)
    assert stopped.value.imported == 5
    assert "已导入 5 件" in str(stopped.value) and "自动跳过" in str(stopped.value)
    kept = cases_and_events(ledger)
    assert len(kept) == 5 and all(kinds == ["register", "accept"] for _n, _s, kinds in kept)

    again = run(ledger, path)
    assert again.written and len(again.imported) == 7 and len(again.already) == 5
    assert "5 行此前已导入，已跳过" in again.headline()
    after = cases_and_events(ledger)
    assert len(after) == 12 and len({no for no, _s, _k in after}) == 12
    summaries = {no: status for no, status, _k in after}
    assert set(summaries.values()) == {"accepted"}


def test_a_row_the_workflow_refuses_stops_the_import_there_and_the_fixed_file_goes_on(
    ledger: Ledger, tmp_path: Path
) -> None:
    # a repeat of a case still being handled: the workflow refuses it (not seen while reading); the
    # whole file fits in one slice, and the rows before the refused one are still kept
    refused = row(案件编号="2024-009", 登记日期=date(2024, 6, 1), 是否重复访="是", 原案编号="2024-002",
                  受理日期=date(2024, 6, 2), 办理状态="已受理")  # fmt: skip
    later = accepted(7) | {"登记日期": date(2024, 8, 1), "受理日期": date(2024, 8, 2)}
    rows = [CLOSED, PENDING, refused, later]
    report = run(ledger, excel_ledger(tmp_path / "台账.xlsx", rows))
    assert report.written and report.stopped_at == 5
    assert [c.old_case_no for c in report.imported] == ["2024-001", "2024-002"]
    assert [p.row_number for p in report.problems] == [5]
    assert "同一事项仍在办理中" in report.problems[0].text()
    assert "第 5 行未能导入，导入在此停止：已导入 2 件" in report.headline()
    assert len(cases_and_events(ledger)) == 2  # the row after it was checked, not written

    fixed = [CLOSED, PENDING, dict(refused, 是否重复访="否", 原案编号=""), later]
    again = run(ledger, excel_ledger(tmp_path / "改正后.xlsx", fixed))
    assert again.written and not again.problems
    assert [c.row_number for c in again.already] == [3, 4]
    assert [c.old_case_no for c in again.imported] == ["2024-009", "2024-0007"]
    assert len(cases_and_events(ledger)) == 4


def test_a_dry_run_in_slices_checks_repeats_across_slices_and_writes_nothing(
    ledger: Ledger, tmp_path: Path, row_by_row: None
) -> None:
    repeat_of_closed = row(案件编号="2024-010", 登记日期=date(2024, 5, 1), 是否重复访="是", 原案编号="2024-001",
                           受理日期=date(2024, 5, 2), 办理状态="已受理")  # fmt: skip
    repeat_of_open = row(案件编号="2024-011", 登记日期=date(2024, 6, 1), 是否重复访="是", 原案编号="2024-002",
                         办理状态="待受理")  # fmt: skip
    path = excel_ledger(
        tmp_path / "台账.xlsx",
        [
            CLOSED,
            PENDING,
            repeat_of_closed,
            repeat_of_open,
            row(登记日期=date(2024, 7, 1), 办理状态="待受理"),
        ],
    )
    with ledger.session() as session:
        report = import_ledger(session, path, "接待员", dry_run=True, clock=lambda: datetime(2025, 1, 10))
    assert not report.written and [p.row_number for p in report.problems] == [6]
    assert "同一事项仍在办理中" in report.problems[0].text()
    numbers = [c.case_no for c in report.imported]
    assert len(numbers) == 4 and len(set(numbers)) == 4
    assert cases_and_events(ledger) == []


KILLED_ROWS = 400

IMPORT = r"""
import sys
from xinfang_desk.export.exchange.import_ledger import import_ledger
from xinfang_desk.ledger.db import Ledger

ledger = Ledger.open(sys.argv[1])
with ledger.session() as session:
    import_ledger(session, sys.argv[2], "接待员")
"""


def test_an_import_killed_halfway_leaves_whole_cases_and_a_rerun_completes_it_without_twins(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    workbook = excel_ledger(tmp_path / "台账.xlsx", [accepted(i) for i in range(KILLED_ROWS)])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", IMPORT, str(path), str(workbook)], env=env)
    ledger = Ledger.open(path)
    try:
        deadline = time.monotonic() + 240
        count = 0
        while count < 20 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with ledger.reading() as s:
                count = int(s.scalar(select(func.count(Case.id))) or 0)
        assert child.poll() is None, "the import ended before it could be killed: make the file longer"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        halfway = cases_and_events(ledger)
        assert 20 <= len(halfway) < KILLED_ROWS
        assert all(kinds == ["register", "accept"] for _n, _s, kinds in halfway)

        again = run(ledger, workbook)
        assert len(again.already) == len(halfway) and len(again.imported) == KILLED_ROWS - len(halfway)
        after = cases_and_events(ledger)
        assert len(after) == KILLED_ROWS and len({no for no, _s, _k in after}) == KILLED_ROWS
        assert all(kinds == ["register", "accept"] for _n, _s, kinds in after)
    finally:
        if child.poll() is None:
            child.kill()
        ledger.close()


def test_a_number_a_clerk_took_between_two_slices_is_not_taken_twice(
    ledger: Ledger, tmp_path: Path, row_by_row: None
) -> None:
    rows = [
        row(案件编号=f"JWC-2024-{n:04d}", 登记日期=date(2024, 3, n), 内容摘要=f"原第{n}件", 办理状态="待受理")
        for n in (1, 2, 3)
    ]
    path = excel_ledger(tmp_path / "台账.xlsx", rows)
    asked = iter(range(100))

    def meanwhile() -> bool:
        if next(asked) == 2:  # two rows are in: a clerk registers a case received in 2024
            with ledger.session() as s:
                clerk_case = Workflow(s, "接待员").register(draft(received_at=datetime(2024, 3, 10, 9)))
                s.flush()
                taken.append(clerk_case.case_no)
        return False

    taken: list[str] = []
    with ledger.session() as session:
        report = import_ledger(session, path, "接待员", cancelled=meanwhile)
    assert taken == ["JWC-2024-0003"]
    assert report.written and len(report.imported) == 3
    numbers = {c.old_case_no: c.case_no for c in report.imported}
    assert numbers["JWC-2024-0001"] == "JWC-2024-0001" and numbers["JWC-2024-0003"] != "JWC-2024-0003"
    assert [(r.old_case_no, r.why) for r in report.renumbered] == [("JWC-2024-0003", "台账中已有该编号")]
    assert len({no for no, _s, _k in cases_and_events(ledger)}) == 4
