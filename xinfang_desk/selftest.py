"""The self-test's checks that need no Qt: a ledger in a temporary folder, one case, its workbook and 交办单.

``run_ledger_checks(folder)`` registers, accepts and assigns a case, exports the 台账 workbook and the
交办单 PDF through the operations the app and the command line use, and reads both back (python-calamine,
pypdfium2), so that a broken install or bundle (a missing migration script, font, library) shows up as
a failed check with its reason in Chinese.  The Qt checks and the report are in ``ui/self_test.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdfium2
from python_calamine import CalamineWorkbook

from xinfang_desk import fonts
from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.documents.operations import prepare_documents
from xinfang_desk.export.documents.slips import write_documents
from xinfang_desk.export.exchange.identity import LEDGER_SHEET
from xinfang_desk.export.exchange.operations import ExportRequest, export_workbook
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.operations.cases import perform_step, register_case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.vocab import Channel, EventKind, IdentityType, Nature, Source, Status
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput

ACTOR = Actor("自检")
UNIT_CODE = "ZJ"
UNIT_NAME = "自检单位"
SUMMARY = "自检：宿舍热水器损坏两周未修"
DEPARTMENT = "后勤集团"
#: Characters the shipped font must draw: the slips' own words and rare name characters.
FONT_SAMPLE = "信访事项交办单督办受理告知书喆堃昇玥䶮〔〕"


@dataclass(frozen=True)
class CheckResult:
    """One check: what was checked, whether it passed, and what was seen (in Chinese)."""

    name: str
    ok: bool
    detail: str


def _check(name: str, work: Callable[[], str]) -> CheckResult:
    """Run one check; any error becomes a failed result with its reason, never a traceback."""
    try:
        return CheckResult(name, True, work())
    except Exception as exc:  # a self-test reports every failure, whatever it is
        reason = str(exc) or type(exc).__name__
        return CheckResult(name, False, f"{type(exc).__name__}：{reason}")


def check_font_file() -> CheckResult:
    def work() -> str:
        path = fonts.primary_font_path()
        if not path.is_file():
            raise FileNotFoundError(f"找不到字体文件 {path}")
        missing = fonts.missing_glyphs(FONT_SAMPLE)
        if missing:
            raise ValueError(f"字体缺少字符：{''.join(sorted(missing))}")
        return f"{path.name}（{path.stat().st_size // 1024:,} KB）"

    return _check("中文字体文件", work)


def run_ledger_checks(folder: Path) -> list[CheckResult]:
    """Create a ledger in ``folder``, work one case through it, export and read back (see module doc)."""
    results: list[CheckResult] = []
    state: dict[str, str] = {}
    ledger_path = folder / "自检台账.sqlite"

    def create() -> str:
        create_ledger(ledger_path, UNIT_CODE, UNIT_NAME).close()
        return ledger_path.name

    results.append(_check("新建台账（数据库迁移）", create))
    if not results[-1].ok:
        return results

    ledger = Ledger.open(ledger_path)
    try:
        results.append(_check("登记、受理并交办案件", lambda: _register_and_assign(ledger, state)))
        if results[-1].ok:
            results.append(_check("导出并读回台账（Excel）", lambda: _workbook(ledger, folder, state)))
            results.append(_check("打印并读回交办单（PDF）", lambda: _slip(ledger, folder, state)))
    finally:
        ledger.close()
    return results


def _register_and_assign(ledger: Ledger, state: dict[str, str]) -> str:
    draft = CaseDraft(
        channel=Channel.VISIT,
        source=Source.OWN,
        nature=Nature.CLAIM,
        category="后勤服务类",
        subcategory="宿舍条件与维修",
        summary=SUMMARY,
        petitioner=PetitionerInput(name="李玥", phone="13812345678", identity_type=IdentityType.STUDENT),
    )
    with ledger.operation(ACTOR) as ctx:
        case_no = register_case(ctx, draft).value.case_no
        perform_step(ctx, case_no, EventKind.ACCEPT, {"note": "属于本单位职责范围。"})
        assigned = perform_step(
            ctx,
            case_no,
            EventKind.ASSIGN,
            {"department": DEPARTMENT, "opinion": "请核实情况，依法依规办理并答复信访人。"},
        ).value
    state["case_no"] = assigned.case_no
    state["status"] = Status(assigned.status).label
    return f"{state['case_no']}，{state['status']}，交办{DEPARTMENT}"


def _workbook(ledger: Ledger, folder: Path, state: dict[str, str]) -> str:
    path = folder / "自检台账.xlsx"
    today = date.today()
    with ledger.operation(ACTOR) as ctx:
        export_workbook(
            ctx, ExportRequest(path, date(today.year, 1, 1), date(today.year, 12, 31), full=False)
        )
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LEDGER_SHEET).to_python()
    found = [row for row in rows if state["case_no"] in (str(cell) for cell in row)]
    if not found:
        raise ValueError(f"导出的台账中没有案件 {state['case_no']}")
    if SUMMARY not in (str(cell) for cell in found[0]):
        raise ValueError("导出的台账中案件的内容摘要不对")
    return f"{path.name}：{len(rows)} 行，含 {state['case_no']}"


def _slip(ledger: Ledger, folder: Path, state: dict[str, str]) -> str:
    path = folder / "自检交办单.pdf"
    with ledger.operation(ACTOR) as ctx:
        prepared = prepare_documents(ctx, [state["case_no"]], DocumentKind.ASSIGN, file_name=path.name)
    write_documents(prepared, path)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
        pages = len(pdf)
    finally:
        pdf.close()
    for expected in ("交办单", state["case_no"], DEPARTMENT, "李玥"):
        if expected not in text.replace("\r", "").replace("\n", ""):
            raise ValueError(f"交办单中读不到“{expected}”（中文字体未嵌入或内容缺失）")
    return f"{path.name}：{pages} 页，含 {state['case_no']}"
