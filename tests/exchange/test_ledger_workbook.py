"""The Excel 台账: headers, real dates, masking, the formula guard, print set-up, statistics, the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import Clock, Registrar
from xinfang_desk import __version__
from xinfang_desk.cli import main
from xinfang_desk.export.exchange.identity import read_identity, verify_ledger_file
from xinfang_desk.export.exchange.ledger_workbook import OVERDUE_FILL, export_ledger
from xinfang_desk.export.exchange.statistics_sheet import NO_VALUE, read_statistics
from xinfang_desk.export.progress import ExportCancelled
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import FIGURE_LABELS, compute_figures, year_range
from xinfang_desk.ledger.models import AuditEntry, Case, CaseEvent
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Outcome, Satisfaction, Source
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

#: The headers the issue fixes, in this order.
SPEC_HEADERS = [
    "案件编号",
    "登记日期",
    "信访形式",
    "来源",
    "信访人",
    "人数",
    "身份类别",
    "证件号码",
    "联系电话",
    "所在单位",
    "事项性质",
    "问题类别",
    "问题子类",
    "内容摘要",
    "是否重复访",
    "原案编号",
    "是否越级访",
    "受理情况",
    "受理日期",
    "承办单位",
    "交办日期",
    "办理时限",
    "办理状态",
    "答复日期",
    "处理结果",
    "满意度",
    "办结日期",
    "是否按期办结",
    "督办次数",
    "重开次数",
    "包案领导",
    "备注",
    "信访内容",
    "登记人",
    "不予受理理由",
    "转送机关",
    "上级交办文号",
    "上级规定期限",
    "交办意见",
    "延期天数",
    "答复内容",
    "回访日期",
    "单位代码",
    "案件ID",
    "修订号",
    "最后修改时间",
]

ID_NUMBER = "34010419900111123X"
PHONE = "13812345678"
HYPERLINK = '=HYPERLINK("http://example.com/x","点此查看")'
TODAY = date(2025, 6, 30)


@pytest.fixture
def cases(ledger: Ledger) -> dict[str, str]:
    """Seven cases of 2025 in every decision state, one of 2024; name → case number."""
    clock = Clock(datetime(2025, 6, 1, 12, 0))
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=clock)
        reg = Registrar(s, wf)

        done = reg(
            "closed",
            datetime(2025, 3, 3, 9, 15),
            petitioner=PetitionerInput(
                name="欧阳䶮",
                id_number=ID_NUMBER,
                phone=PHONE,
                identity_type=IdentityType.STAFF,
                affiliation="土木工程学院",
            ),
            people_count=6,
            bypassed_level=True,
            owner_leader="李书记",
            remarks="已电话回访",
        )
        wf.accept(done, at=datetime(2025, 3, 4, 10))
        wf.assign(done, "后勤集团", "请一周内修复", at=datetime(2025, 3, 5, 10))
        wf.supervise(done, "请加快进度", at=datetime(2025, 3, 10, 10))
        wf.reply(done, Outcome.SOLVED, "已修复", at=datetime(2025, 3, 12, 10))
        wf.evaluate(done, Satisfaction.SATISFIED, at=datetime(2025, 3, 13, 10))
        wf.close(done, at=datetime(2025, 3, 14, 16, 45))
        repeat = reg("repeat", datetime(2025, 4, 1, 9), repeat_of=done.case_no, summary=HYPERLINK)
        wf.accept(repeat, at=datetime(2025, 4, 1, 10))
        wf.assign(repeat, "后勤集团", "请核实", at=datetime(2025, 4, 2, 10))  # due mid-April: overdue
        declined = reg("declined", datetime(2025, 4, 3, 9), summary="+86 要求赔偿")
        wf.decline(declined, "不属于本单位职责范围", at=datetime(2025, 4, 4, 9))
        forwarded = reg("forwarded", datetime(2025, 4, 5, 9), summary="-2分扣分有误", channel=Channel.LETTER)
        wf.forward(forwarded, "校纪委", at=datetime(2025, 4, 6, 9))
        reg("pending", datetime(2025, 5, 20, 9), summary="@全体 宿舍停水", nature=Nature.SUGGESTION)
        reg("mailbox", datetime(2025, 5, 1, 9), channel=Channel.MAILBOX, source=Source.PRESIDENT_MAILBOX)
        reg("last_year", datetime(2024, 11, 1, 9))
    return reg.made


def _export(ledger: Ledger, path: Path, **kw: object):
    with ledger.session() as s:
        return export_ledger(
            s, path, "王主任", start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY, **kw
        )


def _rows_by_case_no(path: Path) -> tuple[list, dict[str, list]]:
    sheet = load_workbook(path)["信访台账"]
    rows = list(sheet.iter_rows())
    return rows[0], {row[0].value: row for row in rows[1:]}


def _cell(row: list, header: str):
    return row[SPEC_HEADERS.index(header)]


def test_headers_are_exactly_the_issue_s_in_order(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    header, _ = _rows_by_case_no(tmp_path / "t.xlsx")
    assert [c.value for c in header[: len(SPEC_HEADERS)]] == SPEC_HEADERS


def test_only_cases_received_in_the_period_one_row_each(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    result = _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    expected = {no for name, no in cases.items() if name != "last_year"}
    assert set(rows) == expected
    assert result.identity.row_count == len(expected)


def test_a_closed_case_reads_back_with_real_dates_numbers_and_labels(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    row = rows[cases["closed"]]
    for header, day in {
        "登记日期": datetime(2025, 3, 3),
        "受理日期": datetime(2025, 3, 4),
        "交办日期": datetime(2025, 3, 5),
        "答复日期": datetime(2025, 3, 12),
        "办结日期": datetime(2025, 3, 14),
    }.items():
        cell = _cell(row, header)
        assert cell.is_date and cell.value == day and cell.number_format == "yyyy-mm-dd", header
    assert _cell(row, "办理时限").is_date
    modified = _cell(row, "最后修改时间")
    assert modified.is_date and "h" in modified.number_format and "ss" in modified.number_format
    assert modified.value == datetime(2025, 6, 1, 12, 0)
    expected = {
        "信访形式": "来访",
        "来源": "本单位受理",
        "信访人": "欧阳䶮",
        "人数": 6,
        "身份类别": "教职工",
        "所在单位": "土木工程学院",
        "事项性质": "申诉求决类",
        "问题类别": "后勤服务类",
        "问题子类": "宿舍条件与维修",
        "是否重复访": "否",
        "是否越级访": "是",
        "受理情况": "已受理",
        "承办单位": "后勤集团",
        "办理状态": "已办结",
        "处理结果": "解决到位",
        "满意度": "满意",
        "是否按期办结": "是",
        "督办次数": 1,
        "重开次数": 0,
        "包案领导": "李书记",
        "备注": "已电话回访",
        "单位代码": "JWC",
        "修订号": 7,
    }
    assert {h: _cell(row, h).value for h in expected} == expected
    assert isinstance(_cell(row, "人数").value, int) and _cell(row, "人数").data_type == "n"


def test_registrar_assignment_opinion_and_follow_up_day_are_written(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    written = {
        name: tuple(_cell(rows[cases[name]], h).value for h in ("登记人", "交办意见", "回访日期"))
        for name in ("closed", "repeat", "pending")
    }
    assert written == {
        "closed": ("王主任", "请一周内修复", datetime(2025, 3, 13)),
        "repeat": ("王主任", "请核实", None),
        "pending": ("王主任", None, None),
    }
    follow_up = _cell(rows[cases["closed"]], "回访日期")
    assert follow_up.is_date and follow_up.number_format == "yyyy-mm-dd"


def test_decision_column_and_repeat_link(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    decisions = {name: _cell(rows[cases[name]], "受理情况").value for name in cases if name != "last_year"}
    assert decisions == {
        "closed": "已受理",
        "repeat": "已受理",
        "declined": "不予受理",
        "forwarded": "已转送",
        "pending": "待受理",
        "mailbox": "待受理",
    }
    repeat = rows[cases["repeat"]]
    assert _cell(repeat, "是否重复访").value == "是"
    assert _cell(repeat, "原案编号").value == cases["closed"]
    assert _cell(rows[cases["pending"]], "是否按期办结").value is None


def test_personal_data_is_masked_by_default(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    result = _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    row = rows[cases["closed"]]
    assert _cell(row, "证件号码").value == "3401**********123X"
    assert _cell(row, "联系电话").value == "138****5678"
    assert result.identity.masked
    every_text = " ".join(str(c.value) for r in rows.values() for c in r)
    assert ID_NUMBER not in every_text and PHONE not in every_text


def test_a_full_export_is_explicit_and_recorded_in_the_audit_log(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "masked.xlsx")
    result = _export(ledger, tmp_path / "full.xlsx", full=True)
    _, rows = _rows_by_case_no(tmp_path / "full.xlsx")
    row = rows[cases["closed"]]
    assert _cell(row, "证件号码").value == ID_NUMBER
    assert _cell(row, "联系电话").value == PHONE
    assert not result.identity.masked and not read_identity(tmp_path / "full.xlsx").masked
    with ledger.session() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.actor, e.action) for e in entries] == [
            ("王主任", "export_masked"),
            ("王主任", "export_full"),
        ]
        assert entries[1].detail["file"] == "full.xlsx" and entries[1].detail["rows"] == 6


def test_a_full_export_does_not_touch_any_case_revision(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    from xinfang_desk.ledger.models import Case

    with ledger.session() as s:
        before = dict(s.execute(select(Case.case_no, Case.revision)).all())
    _export(ledger, tmp_path / "full.xlsx", full=True)
    with ledger.session() as s:
        assert dict(s.execute(select(Case.case_no, Case.revision)).all()) == before


def test_text_that_looks_like_a_formula_stays_text(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    for name, text in {
        "repeat": HYPERLINK,
        "declined": "+86 要求赔偿",
        "forwarded": "-2分扣分有误",
        "pending": "@全体 宿舍停水",
    }.items():
        cell = _cell(rows[cases[name]], "内容摘要")
        assert cell.data_type == "s", name
        assert cell.value == text


def test_overdue_rows_are_filled_and_others_are_not(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    result = _export(ledger, tmp_path / "t.xlsx")
    _, rows = _rows_by_case_no(tmp_path / "t.xlsx")
    fill = OVERDUE_FILL.fgColor.rgb
    filled = {no for no, row in rows.items() if all(c.fill.fgColor.rgb == fill for c in row[:36])}
    plain = {no for no, row in rows.items() if all(c.fill.fgColor.rgb != fill for c in row[:36])}
    # past the handling deadline (repeat) or the 15-day deciding deadline (pending, mailbox) on TODAY
    assert filled == {cases["repeat"], cases["pending"], cases["mailbox"]}
    assert plain == set(rows) - filled
    assert result.overdue_rows == 3


def test_the_printed_ledger_shows_its_dates_as_dates(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    printed = {row[0].value: row for row in book["打印台账"].iter_rows(min_row=2)}
    header = [c.value for c in next(book["打印台账"].iter_rows(max_row=1))]
    closed, late = printed[cases["closed"]], printed[cases["repeat"]]  # a plain row and an overdue one
    assert late[0].fill.fgColor.rgb == OVERDUE_FILL.fgColor.rgb != closed[0].fill.fgColor.rgb
    received_late = _cell(_rows_by_case_no(tmp_path / "t.xlsx")[1][cases["repeat"]], "登记日期").value
    for row, dates in (
        (closed, {"登记日期": datetime(2025, 3, 3), "办结日期": datetime(2025, 3, 14)}),
        (late, {"登记日期": received_late}),
    ):
        for name, day in dates.items():
            cell = row[header.index(name)]
            # shown as the 信访台账 sheet shows it, not as a day number such as 45719
            assert cell.is_date and cell.value == day and cell.number_format == "yyyy-mm-dd", name
        due = row[header.index("办理时限")]
        assert due.value is None or (due.is_date and due.number_format == "yyyy-mm-dd")
    assert closed[header.index("信访人")].number_format == "General"


def test_sheet_is_ready_to_filter_and_print(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["信访台账"]
    assert sheet.freeze_panes in ("A2", "B2")
    assert sheet.auto_filter.ref == f"A1:AT{sheet.max_row}"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    printed = load_workbook(tmp_path / "t.xlsx")["打印台账"]
    assert [c.value for c in printed[1]] == ["案件编号", "登记日期", "信访人", "问题类别", "内容摘要", "承办单位",
                                             "办理时限", "办理状态", "处理结果", "满意度", "办结日期"]  # fmt: skip
    assert printed.max_row == sheet.max_row and printed.print_title_rows == "$1:$1"
    assert printed.page_setup.fitToWidth == 1 and printed.page_setup.fitToHeight == 0
    assert printed.sheet_properties.pageSetUpPr.fitToPage and "&P" in printed.oddFooter.center.text
    widths = {
        h: sheet.column_dimensions[c.column_letter].width
        for h, c in zip(SPEC_HEADERS, sheet[1], strict=False)
    }
    assert widths["内容摘要"] > widths["人数"] and widths["案件ID"] >= 36
    assert all(w and w >= 6 for w in widths.values())


def test_identity_describes_the_export(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    clock = Clock(datetime(2025, 7, 1, 8, 30, 5))
    with ledger.session() as s:
        export_ledger(
            s, tmp_path / "t.xlsx", "王主任", start=date(2025, 3, 1), end=date(2025, 4, 30), clock=clock
        )
    identity = verify_ledger_file(tmp_path / "t.xlsx")
    assert (identity.format_name, identity.format_version) == ("xinfang-ledger", 3)
    assert (identity.unit_code, identity.unit_name) == ("JWC", "教务处")
    assert identity.exported_at == datetime(2025, 7, 1, 8, 30, 5) and identity.exported_by == "王主任"
    assert identity.app_version == __version__
    assert (identity.period_from, identity.period_to) == (date(2025, 3, 1), date(2025, 4, 30))
    assert identity.row_count == 4 and identity.masked
    with ledger.session() as s:
        steps = s.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.received_at >= datetime(2025, 3, 1), Case.received_at < datetime(2025, 5, 1))
        )
    assert identity.history_rows == steps > 4  # every step of the four cases, on the 办理记录 sheet
    workbook = load_workbook(tmp_path / "t.xlsx")
    assert workbook["_交换信息"].sheet_state == "hidden"
    assert workbook.properties.keywords == "xinfang-ledger"


def test_statistics_sheet_equals_compute_figures_and_stats_json(
    ledger: Ledger, ledger_location, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _export(ledger, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["统计"]
    shown = read_statistics(sheet)
    with ledger.session() as s:  # exported on 30 June: the year so far, as the sheet's 统计期间 says
        figures = compute_figures(s, *year_range(2025), today=TODAY).as_json()
    assert figures["period"] == {"from": "2025-01-01", "to": f"{TODAY}"}
    assert (
        main(["stats", "--db", str(ledger_location), "--from", "2025-01-01", "--to", f"{TODAY}", "--json"])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert shown == figures == printed
    assert any(v is None for v in figures.values())  # a null is shown, not 0
    nulls = [row for row in sheet.iter_rows(values_only=True) if row[1] == NO_VALUE]
    assert nulls
    labels = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert all(FIGURE_LABELS[key] in labels for key in figures)
    # only Chinese for people: no JSON key anywhere on the sheet, and the period as real dates
    texts = {c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert not texts & set(figures) and sheet.max_column == 2
    period = {
        row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] in ("起始日期", "截止日期")
    }
    assert period == {
        "起始日期": datetime(2025, 1, 1),
        "截止日期": datetime.combine(TODAY, datetime.min.time()),
    }


def test_cancel_leaves_no_file_and_progress_reaches_the_total(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    _export(ledger, tmp_path / "t.xlsx", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    target = tmp_path / "c.xlsx"
    with pytest.raises(ExportCancelled):
        _export(ledger, target, cancelled=lambda: True)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".sqlite" and "sqlite" not in p.name) == [
        "t.xlsx"
    ]


def test_command_line_exports_a_year(
    ledger: Ledger, ledger_location, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "cli.xlsx"
    code = main(["export-ledger", "--db", str(ledger_location), "--year", "2025", "-o", str(target)])
    assert code == 0
    assert "已导出 6 件案件" in capsys.readouterr().out
    identity = verify_ledger_file(target)
    # a ledger without users is worked on as the operating-system user, as before users existed
    assert identity.exported_by == Actor.of_system_user().name and identity.masked
    assert main(["export-ledger", "--db", str(ledger_location), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and err.count("\n") == 1
    assert (
        main(["export-ledger", "--db", str(ledger_location), "--year", "2025", "-o", str(tmp_path / "x.csv")])
        == 2
    )
    assert ".xlsx" in capsys.readouterr().err
