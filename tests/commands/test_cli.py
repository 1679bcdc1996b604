"""The command line: init, demo, stats, cases, and one clear line for every error."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import older_demo_ledger
from xinfang_desk.cli import build_parser, main
from xinfang_desk.ledger import db
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, year_range
from xinfang_desk.ledger.search import CaseFilter, count_cases
from xinfang_desk.ledger.vocab import Status


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


def test_stats_notes_a_year_whose_holidays_are_only_estimated(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--db", str(demo_db), "--from", "2025-12-01", "--to", "2099-01-31"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("注意：")]
    assert notes == ["注意：2099年的节假日安排尚未公布或录入，期限按法定节假日估算（不含调休）。"]
    assert main(["stats", "--db", str(demo_db), "--year", "2025"]) == 0
    assert "注意：" not in capsys.readouterr().out


def test_cases_lists_and_filters(demo_db: Path) -> None:
    result = run("cases", "--db", str(demo_db), "--status", "已办结", "--search", "宿舍", "--limit", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("案件编号") and lines[-1].startswith("共 ")
    rows = lines[1:-1]
    assert len(rows) == 5, "the demo has more than five closed 宿舍 cases: the limit is reached"
    assert all("已办结" in line and "宿舍" in line for line in rows)
    ledger = Ledger.open(demo_db)
    with ledger.session() as s:
        expected = count_cases(s, CaseFilter(text="宿舍", statuses=[Status.CLOSED]))
    ledger.close()
    assert lines[-1].startswith(f"共 {expected} 件")
    overdue = run("cases", "--db", str(demo_db), "--overdue").stdout.strip().splitlines()[1:-1]
    assert overdue and all("（超期）" in line for line in overdue)


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
        (["demo", "--cases", "-5"], "案件数须在 0 至 1,000,000 之间"),
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


def _english_words(text: str) -> set[str]:
    """Lower-case English words in ``text`` other than option names, command names and metavariables."""
    words = set()
    for token in text.replace("[", " ").replace("]", " ").replace(",", " ").split():
        if token.startswith("-") or token.startswith("{") or token.startswith("'"):
            continue
        if token.isascii() and token.isalpha() and token.islower():
            words.add(token)
    return words


@pytest.mark.parametrize("command", [[], ["stats"], ["cases"], ["slip"], ["merge"], ["init"]])
def test_help_is_wholly_chinese(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("用法：")
    assert "选项" in result.stdout and "显示本帮助并退出" in result.stdout
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    names = {word for name in commands for word in name.split("-")} | {"xinfang", "assign", "supervise"}
    assert _english_words(result.stdout) - names == set(), result.stdout
    assert not any(word in result.stdout for word in ("usage", "options", "DB", "YEAR", "OUTPUT"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--year"], "参数 --year：需要一个值"),
        (["init", "--unit-code", "JWC"], "缺少必需的参数：--unit-name"),
        (["cases", "--bogus"], "无法识别的参数：--bogus"),
        (["slip", "X", "-o", "a.pdf", "--kind", "nope"], "参数 --kind：无效的选项 'nope'"),
        (["demo", "--cases", "many"], "参数 --cases：案件数“many”不是整数"),
    ],
)
def test_argparse_errors_are_chinese(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("错误：") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _english_words(result.stderr.split("（可选")[0]) == set(), result.stderr


def test_a_command_on_an_older_ledger_first_says_on_stderr_that_it_upgrades_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.sqlite"
    older = db.known_revisions()[db.head_revision()]
    assert older is not None
    older_demo_ledger(path, 20, older)
    assert main(["stats", "--db", str(path), "--year", "2026"]) == 0
    said = capsys.readouterr().err.splitlines()
    (backup,) = tmp_path.glob("old.sqlite.before-upgrade-*.bak")
    assert said == [
        f"正在升级台账“{path}”（台账版本 {older} → {db.head_revision()}；升级前的台账另存为“{backup.name}”；请稍候）……"
    ]
    assert main(["stats", "--db", str(path), "--year", "2026"]) == 0
    assert capsys.readouterr().err == "", "an upgraded ledger opens without a word"
