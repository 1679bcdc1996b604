"""The command line: init, demo, stats, cases, and one clear line for every error."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, year_range


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xinfang_desk", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--cases", "600", "--seed", "7", "--today", "2026-11-25"]) == 0
    return path


def test_init_creates_a_ledger_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.sqlite"
    assert main(["init", "--db", str(path), "--unit-code", "hqjt", "--unit-name", "后勤集团"]) == 0
    ledger = Ledger.open(path)
    assert ledger.unit_code == "HQJT" and not ledger.is_office
    ledger.close()
    assert main(["init", "--db", str(path), "--unit-code", "HQJT", "--unit-name", "后勤集团"]) == 2
    assert "文件已存在" in capsys.readouterr().err


def test_stats_json_is_one_object_equal_to_the_figures(demo_db: Path) -> None:
    result = run("stats", "--db", str(demo_db), "--year", "2025", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    ledger = Ledger.open(demo_db)
    with ledger.session() as s:
        assert figures == compute_figures(s, *year_range(2025)).as_json()
    ledger.close()
    assert figures["received"] > 200 and figures["accepted"] <= figures["received"]
    assert set(figures["by_month"]) == {f"2025-{m:02d}" for m in range(1, 13)}


def test_stats_text_report_is_in_chinese(demo_db: Path) -> None:
    result = run("stats", "--db", str(demo_db), "--year", "2026")
    assert result.returncode == 0
    assert "受理量" in result.stdout and "满意度" in result.stdout and "同比" in result.stdout


def test_cases_lists_and_filters(demo_db: Path) -> None:
    result = run("cases", "--db", str(demo_db), "--status", "已办结", "--search", "宿舍", "--limit", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("案件编号") and lines[-1].startswith("共 ")
    assert all("已办结" in line and "宿舍" in line for line in lines[1:-1])
    overdue = run("cases", "--db", str(demo_db), "--overdue")
    assert "（超期）" in overdue.stdout


def test_demo_is_deterministic_with_a_seed(tmp_path: Path) -> None:
    def build(name: str) -> dict:
        path = tmp_path / name
        assert (
            main(["demo", "--db", str(path), "--cases", "300", "--seed", "3", "--today", "2026-06-30"]) == 0
        )
        ledger = Ledger.open(path)
        with ledger.session() as s:
            figures = compute_figures(s, date(2025, 1, 1), date(2026, 6, 30)).as_json()
        ledger.close()
        return figures

    assert build("a.sqlite") == build("b.sqlite")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--year", "2025"], "台账文件不存在"),
        (["stats", "--year", "abc"], "不是整数"),
        (["stats"], "请指定 --year"),
        (["cases", "--status", "完成了"], "没有“完成了”这种办理状态"),
        (["demo", "--cases", "-5"], "不能为负数"),
        (["stats", "--from", "2025-02-30", "--to", "2025-03-01"], "不是有效日期"),
        (["frobnicate"], "无效的选项"),
    ],
)
def test_errors_are_one_chinese_line_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    result = (
        run(*args[:1], "--db", str(tmp_path / "none.sqlite"), *args[1:])
        if args[0] != "frobnicate"
        else run(*args)
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3  # argparse adds its usage line before the message


def test_a_file_that_is_not_a_ledger(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("这不是数据库", encoding="utf-8")
    result = run("cases", "--db", str(bogus))
    assert result.returncode == 2 and "不是信访台账文件" in result.stderr and "Traceback" not in result.stderr
