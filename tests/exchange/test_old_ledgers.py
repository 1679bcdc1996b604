"""An old 台账 in the office's own words comes in from the command line: mapping, words, recorded facts."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from xinfang_desk.cli import main
from xinfang_desk.export.exchange.import_mapping import ImportMapping
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import Case

OLD_HEADERS = ["序号", "来访日期", "信访人", "联系电话", "反映问题", "问题类别", "承办单位", "办理结果",
               "是否办结", "备注"]  # fmt: skip
OLD_ROWS = [
    [1, datetime(2023, 3, 6), "张三", "150-1234-5679", "宿舍热水器损坏一周未修", "后勤服务类", "后勤集团",
     "已维修，问题已解决", "是", ""],
    [2, "2023/04/10", "李四", "13812345678", "对期末成绩有异议", "教学管理类", "教务处",
     "经核查成绩无误，已向学生解释说明", "√", "家长陪同"],
    [3, datetime(2023, 5, 8), "王五", "", "建议延长图书馆开放时间", "教学管理类", "图书馆", "", "否", ""],
]  # fmt: skip


def old_ledger(path: Path, *, extra_rows: list[list] | None = None) -> Path:
    """An old 台账 as offices keep it: a merged title row, its own headers, notes and signatures below."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2023年"
    sheet.append(["土木工程学院2023年信访工作台账"])
    sheet.merge_cells("A1:J1")
    sheet.append(OLD_HEADERS)
    for row in OLD_ROWS + (extra_rows or []):
        sheet.append(row)
    sheet.append([])
    sheet.append(["注：本表按来访日期登记。"])
    sheet.append(["制表人：赵六", None, None, None, None, None, None, "审核：钱七"])
    book.save(path)
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xinfang_desk", *args], capture_output=True, text=True)


@pytest.fixture
def unit_db(tmp_path: Path) -> Path:
    path = tmp_path / "u.sqlite"
    assert main(["init", "--db", str(path), "--unit-code", "TMXY", "--unit-name", "土木工程学院"]) == 0
    return path


SETS = ("--set", "信访形式=来访", "--set", "事项性质=申诉求决类")


def _cases(db: Path) -> dict[str, Case]:
    ledger = Ledger.open(db)
    with ledger.session() as s:
        cases = {c.petitioner.name: c for c in s.scalars(select(Case))}
        for c in cases.values():
            _ = (c.department, c.category, c.events)
        s.expunge_all()
    ledger.close()
    return cases


def test_without_the_missing_fields_it_says_how_to_give_them(unit_db: Path, tmp_path: Path) -> None:
    result = run("import-ledger", "--db", str(unit_db), str(old_ledger(tmp_path / "旧台账.xlsx")))
    assert result.returncode == 2
    assert "缺少必需的列：信访形式、事项性质" in result.stderr and "--set 台账列=值" in result.stderr
    assert _cases(unit_db) == {}


def test_a_dry_run_prints_the_mapping_and_every_verdict_and_changes_nothing(
    unit_db: Path, tmp_path: Path
) -> None:
    path = old_ledger(
        tmp_path / "旧台账.xlsx", extra_rows=[[4, "上周", "孙八", "", "食堂涨价", "后勤服务类"]]
    )
    result = run("import-ledger", "--db", str(unit_db), str(path), *SETS, "--dry-run")
    out = result.stdout
    assert result.returncode == 1
    for line in ("来访日期 → 登记日期", "反映问题 → 内容摘要", "办理结果 → 答复内容", "是否办结 → 是否办结",
                 "（所有行）信访形式 = 来访"):  # fmt: skip
        assert line in out, line
    assert "未使用的列（内容没有导入）：序号（行号，不是案件编号）" in out
    assert "第 1 行（“土木工程学院2023年信访工作台账”）是表格上方的标题，已跳过" in out
    assert "第 8 行（“注：本表按来访日期登记。”）是表下的注释或签名" in out
    assert "第 9 行（“制表人：赵六 审核：钱七”）是表下的注释或签名" in out
    assert "第 3 行：可以导入" in out and "第 6 行：登记日期“上周”不是有效日期" in out
    assert "试运行，台账没有任何改动" in out
    assert _cases(unit_db) == {}


def test_the_rows_keep_their_dates_people_results_and_closures(unit_db: Path, tmp_path: Path) -> None:
    path = old_ledger(tmp_path / "旧台账.xlsx")
    result = run("import-ledger", "--db", str(unit_db), str(path), *SETS)
    assert result.returncode == 0, result.stderr
    assert "已从“旧台账.xlsx”导入 3 件案件" in result.stdout
    cases = _cases(unit_db)
    heater, grades, library = cases["张三"], cases["李四"], cases["王五"]
    assert heater.received_at.date() == date(2023, 3, 6) and grades.received_at.date() == date(2023, 4, 10)
    assert heater.petitioner.phone == "15012345679"
    assert (heater.status, heater.outcome, heater.reply_text) == ("closed", "solved", "已维修，问题已解决")
    assert (grades.status, grades.outcome) == ("closed", "explained") and grades.remarks == "家长陪同"
    assert heater.department.name == "后勤集团" and heater.summary == "宿舍热水器损坏一周未修"
    assert heater.due_on is None and grades.due_on is None  # closed: never overdue
    assert library.status == "assigned" and library.department.name == "图书馆"
    close = next(e for e in heater.events if e.kind == "close")
    assert "原台账未记载办结日期" in close.note and close.at.date() == date(2023, 3, 6)


def test_columns_and_values_the_program_does_not_know_are_mapped_by_the_user(
    unit_db: Path, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["收到时间", "当事人", "事由摘要", "归口", "渠道", "类型", "处理单位"])
    sheet.append([datetime(2024, 9, 2), "周玥", "选课系统无法登录", "教学管理类", "走访", "诉求", "教务处"])
    sheet.append([datetime(2024, 9, 3), "吴堃", "宿舍漏水", "后勤服务类", "校长信箱", "求决", "后勤集团"])
    book.save(tmp_path / "自定义.xlsx")
    result = run(
        "import-ledger", "--db", str(unit_db), str(tmp_path / "自定义.xlsx"),
        "--map", "收到时间=登记日期", "--map", "当事人=信访人", "--map", "事由摘要=内容摘要",
        "--map", "归口=问题类别", "--map", "渠道=信访形式", "--map", "类型=事项性质",
        "--map-value", "信访形式:走访=来访",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    cases = _cases(unit_db)
    assert cases["周玥"].channel == "visit" and cases["吴堃"].channel == "mailbox"
    assert cases["周玥"].nature == "claim" and cases["周玥"].category.name == "教学管理类"


def test_recorded_deadlines_are_kept_and_marked_as_given(unit_db: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["案件编号", "登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人", "受理日期",
                  "承办单位", "办理时限", "延期天数", "答复日期", "处理结果", "办结日期", "是否按期办结"])  # fmt: skip
    sheet.append(["TMXY-2024-0007", date(2024, 3, 1), "来信", "申诉求决类", "教学管理类", "补考安排", "陈默",
                  date(2024, 3, 2), "教务处", date(2024, 3, 20), 10, date(2024, 3, 28), "解决到位",
                  date(2024, 3, 29), "否"])  # fmt: skip
    book.save(tmp_path / "时限.xlsx")
    assert run("import-ledger", "--db", str(unit_db), str(tmp_path / "时限.xlsx")).returncode == 0
    case = _cases(unit_db)["陈默"]
    assert case.case_no == "TMXY-2024-0007"
    assert (case.handle_due_on, case.due_given, case.extended_days) == (date(2024, 3, 20), True, 10)
    assert case.closed_on_time is False
    accept = next(e for e in case.events if e.kind == "accept")
    assert accept.data["given"] is True and accept.data["handle_due_on"] == "2024-03-20"
    again = run("import-ledger", "--db", str(unit_db), str(tmp_path / "时限.xlsx"), "--dry-run").stdout
    assert "第 2 行：已是案件 TMXY-2024-0007" in again and "0 行可以导入" in again, "the same row: skipped"
    sheet.cell(2, 6).value = "补考安排（补充说明）"
    book.save(tmp_path / "时限.xlsx")
    changed = run("import-ledger", "--db", str(unit_db), str(tmp_path / "时限.xlsx"), "--dry-run").stdout
    assert changed.count("台账中已有该编号") == 1, "another row with that number: a new number"


def test_mapping_specs_are_checked_in_chinese() -> None:
    mapping = ImportMapping()
    with pytest.raises(ValidationError, match="应为 --map 源列=台账列"):
        mapping.add_column("来访日期")
    with pytest.raises(ValidationError, match="台账中没有“到访日”这一列"):
        mapping.add_fixed("到访日=2024-01-01")
    mapping.add_value("身份:老师=教职工")
    assert mapping.values == {"身份类别": {"老师": "教职工"}}


def test_an_id_number_stored_as_a_number_is_named_with_the_fix(unit_db: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人", "证件号码"])
    sheet.append(
        [date(2024, 3, 1), "来访", "申诉求决类", "教学管理类", "补考安排", "陈默", 340104199003071234]
    )
    book.save(tmp_path / "数字证件号.xlsx")
    result = run("import-ledger", "--db", str(unit_db), str(tmp_path / "数字证件号.xlsx"))
    assert "证件号码被 Excel 存成了数字" in result.stderr and "设为“文本”格式" in result.stderr


def _numbered_ledger(path: Path) -> Path:
    """An old 台账 whose rows carry numbers in this unit's format (out of order, with gaps), one row none."""
    book = Workbook()
    sheet = book.active
    sheet.append(["案件编号", "来访日期", "信访人", "反映问题", "问题类别", "备注"])
    sheet.append(
        ["TMXY-2023-0027", datetime(2023, 4, 10), "李四", "对期末成绩有异议", "教学管理类", "家长陪同"]
    )
    sheet.append(["TMXY-2023-0015", datetime(2023, 3, 6), "张三", "宿舍热水器损坏", "后勤服务类", ""])
    sheet.append(["TMXY-2023-0031", datetime(2023, 5, 8), "王五", "建议延长图书馆开放时间", "教学管理类", ""])
    sheet.append(["", datetime(2023, 6, 1), "赵六", "食堂涨价", "后勤服务类", ""])
    book.save(path)
    return path


def test_without_new_numbers_the_old_numbers_are_kept(unit_db: Path, tmp_path: Path) -> None:
    result = run("import-ledger", "--db", str(unit_db), str(_numbered_ledger(tmp_path / "编号.xlsx")), *SETS)
    assert result.returncode == 0, result.stderr
    cases = _cases(unit_db)
    assert {name: c.case_no for name, c in cases.items()} == {
        "张三": "TMXY-2023-0015",
        "李四": "TMXY-2023-0027",
        "王五": "TMXY-2023-0031",
        "赵六": "TMXY-2023-0032",  # the row without a number is numbered above the kept ones
    }
    assert cases["张三"].remarks == "" and cases["李四"].remarks == "家长陪同"
    assert "使用了新的案件编号" not in result.stdout


def test_new_numbers_renumbers_every_row_and_keeps_the_old_number_in_remarks(
    unit_db: Path, tmp_path: Path
) -> None:
    path = _numbered_ledger(tmp_path / "编号.xlsx")
    result = run("import-ledger", "--db", str(unit_db), str(path), *SETS, "--new-numbers")
    assert result.returncode == 0, result.stderr
    cases = _cases(unit_db)
    assert {name: c.case_no for name, c in cases.items()} == {  # in the order of their 登记日期
        "张三": "TMXY-2023-0001",
        "李四": "TMXY-2023-0002",
        "王五": "TMXY-2023-0003",
        "赵六": "TMXY-2023-0004",
    }
    assert cases["张三"].remarks == "原台账编号：TMXY-2023-0015"
    assert cases["李四"].remarks == "原台账编号：TMXY-2023-0027；家长陪同"
    assert cases["王五"].remarks == "原台账编号：TMXY-2023-0031"
    assert cases["赵六"].remarks == ""
    out = result.stdout
    assert "4 件使用了新的案件编号（原编号记入备注）：" in out
    assert "第 2 行：TMXY-2023-0027 → TMXY-2023-0002（选择了全部重新编号）" in out
    assert "第 3 行：TMXY-2023-0015 → TMXY-2023-0001（选择了全部重新编号）" in out
    assert "第 5 行：（无编号） → TMXY-2023-0004（选择了全部重新编号）" in out


def test_the_office_s_value_words_become_the_ledger_s_statuses_identities_and_channels(
    unit_db: Path, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["来访日期", "信访人", "身份", "方式", "性质", "反映问题", "问题类别", "受理情况", "办理状态",
                  "承办单位"])  # fmt: skip
    sheet.append(
        [datetime(2024, 3, 1), "王芳", "家长", "微信", "建议", "食堂菜价", "后勤服务类", "受理", "", ""]
    )
    sheet.append([datetime(2024, 3, 2), "刘强", "教师", "来电", "举报", "考场舞弊", "教学管理类", "不受理", "",
                  ""])  # fmt: skip
    sheet.append([datetime(2024, 3, 3), "赵敏", "退休", "校长信箱", "诉求", "澡堂维修", "后勤服务类", "", "在办",
                  "后勤集团"])  # fmt: skip
    sheet.append(
        [datetime(2024, 3, 4), "孙丽", "本科生", "走访", "求决", "学籍异动", "教学管理类", "转送", "", ""]
    )
    sheet.append(
        [datetime(2024, 3, 5), "周杰", "校外", "信件", "意见", "校门拥堵", "后勤服务类", "", "受理", ""]
    )
    book.save(tmp_path / "用语.xlsx")
    result = run("import-ledger", "--db", str(unit_db), str(tmp_path / "用语.xlsx"))
    assert result.returncode == 0, result.stderr
    cases = _cases(unit_db)
    got = {name: (c.status, c.petitioner.identity_type, c.channel, c.nature) for name, c in cases.items()}
    assert got == {
        "王芳": ("accepted", "parent", "web", "suggestion"),
        "刘强": ("declined", "staff", "phone", "accusation"),
        "赵敏": ("in_progress", "retired", "mailbox", "claim"),
        "孙丽": ("forwarded", "student", "visit", "claim"),
        "周杰": ("accepted", "outsider", "letter", "suggestion"),
    }


def test_the_old_registrar_opinion_and_follow_up_day_come_out_in_the_export(
    unit_db: Path, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人", "登记人", "承办单位",
                  "交办日期", "交办意见", "答复日期", "处理结果", "满意度", "回访日期", "办结日期"])  # fmt: skip
    sheet.append([date(2024, 3, 1), "来访", "申诉求决类", "后勤服务类", "宿舍漏水", "陈默", "赵六", "后勤集团",
                  date(2024, 3, 2), "请三日内修复", date(2024, 3, 5), "解决到位", "满意", date(2024, 3, 8),
                  date(2024, 3, 9)])  # fmt: skip
    book.save(tmp_path / "登记人.xlsx")
    assert run("import-ledger", "--db", str(unit_db), str(tmp_path / "登记人.xlsx")).returncode == 0
    target = tmp_path / "导出.xlsx"
    assert main(["export-ledger", "--db", str(unit_db), "--year", "2024", "-o", str(target)]) == 0
    rows = list(load_workbook(target)["信访台账"].iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["信访人"], row["登记人"], row["交办意见"]) == ("陈默", "赵六", "请三日内修复")
    assert (row["回访日期"], row["办结日期"]) == (datetime(2024, 3, 8), datetime(2024, 3, 9))
    assert (row["满意度"], row["办理状态"]) == ("满意", "已办结")
