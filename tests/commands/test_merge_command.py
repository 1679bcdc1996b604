"""The office's commands: ``merge``, ``export-office`` and ``import-ledger``, their exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.bad_workbooks import unit_export
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "office" / "office.sqlite"
    path.parent.mkdir()
    assert (
        main(["init", "--db", str(path), "--unit-code", "XFB", "--unit-name", "信访与督办室", "--office"])
        == 0
    )
    return path


def test_merge_takes_good_files_refuses_bad_ones_and_saves_a_report(
    office_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = unit_export(tmp_path, "HQ", "后勤集团", cases=2)
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    capsys.readouterr()
    assert main(["merge", "--db", str(office_db), str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "【已合并】HQ.xlsx" in out and "新增 2 件" in out
    assert (
        err.strip()
        == "【已拒绝】坏.xlsx：“坏.xlsx”不是 Excel 工作簿（.xlsx、.xls）或 OpenDocument 表格（.ods）文件。"
    )
    reports = list((office_db.parent / "合并报告").glob("合并报告-*.txt"))
    assert len(reports) == 1 and "【已拒绝】坏.xlsx" in reports[0].read_text(encoding="utf-8-sig")

    assert main(["merge", "--db", str(office_db), str(good)]) == 0
    assert "已合并过" in capsys.readouterr().out


def test_merge_in_a_unit_ledger_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_db = tmp_path / "unit.sqlite"
    assert main(["init", "--db", str(unit_db), "--unit-code", "JWC", "--unit-name", "教务处"]) == 0
    capsys.readouterr()
    assert main(["merge", "--db", str(unit_db), str(unit_export(tmp_path, "HQ", "后勤集团"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "信访与督办室" in err


def test_export_office_writes_the_school_workbook(office_db: Path, tmp_path: Path, capsys) -> None:
    main(["merge", "--db", str(office_db), str(unit_export(tmp_path, "HQ", "后勤集团", cases=2))])
    target = tmp_path / "汇总.xlsx"
    assert main(["export-office", "--db", str(office_db), "--year", "2025", "-o", str(target)]) == 0
    assert "2 件案件" in capsys.readouterr().out
    assert "各单位统计" in load_workbook(target, read_only=True).sheetnames


def _excel_ledger(path: Path, dates: list[object]) -> Path:
    book = Workbook()
    book.active.append(["登记日期", "信访人", "信访形式", "事项性质", "问题类别", "内容摘要"])
    for day in dates:
        book.active.append([day, "钱䶮", "来信", "建议意见类", "其他类", "建议增加自习座位"])
    book.save(path)
    return path


def test_import_ledger_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "unit.sqlite"
    assert main(["init", "--db", str(db), "--unit-code", "JWC", "--unit-name", "教务处"]) == 0
    mixed = _excel_ledger(tmp_path / "mixed.xlsx", ["2024-03-01", "下个月"])
    capsys.readouterr()
    assert main(["import-ledger", "--db", str(db), str(mixed)]) == 1
    err = capsys.readouterr().err
    assert "没有导入任何案件" in err and "第 3 行：登记日期“下个月”不是有效日期" in err
    assert main(["import-ledger", "--db", str(db), str(mixed), "--good-rows-only"]) == 1
    assert "已从“mixed.xlsx”导入 1 件案件" in capsys.readouterr().out
    good = _excel_ledger(tmp_path / "good.xlsx", ["2024-03-02"])
    assert main(["import-ledger", "--db", str(db), str(good)]) == 0
    ledger = Ledger.open(db)
    assert ledger.info()["unit_code"] == "JWC"
    ledger.close()
    (tmp_path / "x.xlsx").write_text("oops")
    assert main(["import-ledger", "--db", str(db), str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：“x.xlsx”不是 Excel 工作簿")
