"""Every free text has a stated limit below an Excel cell's: checked at entry, at import, never cut on export."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import update

from tests.helpers import Clock, register
from xinfang_desk.export.exchange.import_ledger import import_ledger
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import EXCEL_CELL_CHARS, TEXT_LIMITS, check_length, limit_of
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import Outcome
from xinfang_desk.ledger.workflow import Workflow


def test_every_limit_fits_an_excel_cell_and_the_check_names_field_and_length() -> None:
    assert all(limit < EXCEL_CELL_CHARS for _label, limit in TEXT_LIMITS.values())
    assert check_length("content", "字" * limit_of("content")) == "字" * limit_of("content")
    with pytest.raises(ValidationError, match="信访内容不能超过 20,000 字（现为 20,001 字）"):
        check_length("content", "字" * 20_001)


def test_registration_and_reply_refuse_a_text_over_its_limit(ledger: Ledger) -> None:
    clock = Clock(datetime(2025, 3, 3, 9))
    with ledger.session() as s, pytest.raises(ValidationError, match="信访内容不能超过"):
        register(s, clock, content="长" * 50_000)
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        with pytest.raises(ValidationError, match="答复内容不能超过"):
            wf.reply(case, Outcome.SOLVED, "答" * 20_001)


def test_an_export_never_cuts_a_text_it_names_the_case_instead(ledger: Ledger, tmp_path: Path) -> None:
    clock = Clock(datetime(2025, 3, 3, 9))
    with ledger.session() as s:
        case_no = register(s, clock).case_no
        # a text written before the limits existed
        s.execute(update(Case).values(content="旧" * (EXCEL_CELL_CHARS + 1)))
    with (
        ledger.session() as s,
        pytest.raises(ValidationError, match=f"案件{case_no}的“信访内容”有 32,768 字"),
    ):
        export_ledger(s, tmp_path / "t.xlsx", "王主任", start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert not (tmp_path / "t.xlsx").exists()


def test_an_import_refuses_a_text_over_its_limit_by_row(ledger: Ledger, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人", "信访内容"])
    book.active.append([date(2025, 3, 3), "来访", "申诉求决类", "教学管理类", "补考", "陈默", "长" * 20_001])
    book.save(tmp_path / "长.xlsx")
    with ledger.session() as s:
        report = import_ledger(s, tmp_path / "长.xlsx", "王主任", clock=lambda: datetime(2025, 6, 1))
    assert not report.written and "第 2 行：信访内容内容过长（20,001 字，上限 20,000 字）" in report.text()
