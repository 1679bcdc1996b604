"""``calendar import|set|show`` and ``deadline``: the office enters the notice, a clerk checks a date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import Clock, draft
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import AuditEntry, CalendarDay, Case, LedgerInfo
from xinfang_desk.ledger.operations.calendar import RULE_NAMES
from xinfang_desk.ledger.workflow import Workflow

GOOD = "2027-01-01~2027-01-03 休 元旦\n2027-02-05~2027-02-11 休 春节\n2027-02-14 班\n"


@pytest.fixture
def db(ledger: Ledger) -> str:
    """A ledger with one open case whose 60-day deadline (from 8 December 2026) runs into 春节 2027."""
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=Clock(datetime(2026, 12, 8, 10)))
        case = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 8, 9)))
        wf.accept(case, at=datetime(2026, 12, 8, 9, 30))
    assert ledger.path is not None
    ledger.close()
    return str(ledger.path)


def _state(path: str) -> tuple[int, int, int, str]:
    ledger = Ledger.open(path)
    try:
        with ledger.session() as s:
            info = s.get(LedgerInfo, "calendar_entered_years")
            return (
                s.scalar(select(func.count()).select_from(CalendarDay)) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                s.scalar(select(func.max(Case.revision))) or 0,
                info.value if info else "",
            )
    finally:
        ledger.close()


def test_import_with_a_bad_line_names_it_and_changes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(db)
    notice = tmp_path / "notice.txt"
    notice.write_text(GOOD + "2027-04-05 放\n2027-05-01~2027-05-05 休\n", encoding="utf-8")
    assert main(["calendar", "import", str(notice), "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：第4行") and "\n" not in err
    assert _state(db) == before == (0, 0, 2, "")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("2027-02-30 休", "第1行：“2027-02-30”不是有效日期"),
        ("2027-02-11~2027-02-05 休", "第1行：结束日期早于开始日期"),
        ("2027-02-05 休\n2027-02-01~2027-02-06 班", "第2行：2027-02-05 与第1行矛盾"),
        ("2027-02-05", "第1行"),
        ("", "没有可录入的日期"),
    ],
)
def test_every_bad_notice_is_one_chinese_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, says: str
) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text(line, encoding="utf-8")
    assert main(["calendar", "import", str(notice), "--db", db]) == 2
    assert says in capsys.readouterr().err
    assert _state(db)[0] == 0


def test_import_then_show_set_and_the_case_follows(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "--db", db]) == 0
    assert "2027-02-11（估算）" in capsys.readouterr().out

    notice = tmp_path / "notice.txt"
    notice.write_text("# 2027年安排\n" + GOOD, encoding="utf-8")
    assert main(["calendar", "import", str(notice), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "已录入 11 天（2027年）" in out and "办理期限 2027-02-11 → 2027-02-12" in out
    assert main(["cases", "--db", db]) == 0
    assert "2027-02-12" in (listing := capsys.readouterr().out) and "估算" not in listing

    assert main(["calendar", "set", "2027-02-12", "休", "--db", db]) == 0
    assert "2027-02-12 → 2027-02-14" in capsys.readouterr().out  # Sunday 14 February is worked

    assert main(["calendar", "show", "--year", "2027", "--db", db]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("2027年：本单位已按国务院通知录入")
    assert "2027-02-14（星期日）调休上班\t班\t本单位录入" in shown
    assert any(line.startswith("2027-02-12（星期五）") and line.endswith("休\t本单位录入") for line in shown)
    assert not any(line.endswith("估算") for line in shown)

    assert main(["calendar", "show", "--year", "2026", "--db", db]) == 0
    official = capsys.readouterr().out
    assert "2026-10-01（星期四）国庆节\t休\t官方库" in official
    assert "2026-01-04（星期日）元旦调休上班\t班\t官方库" in official

    assert main(["calendar", "set", "2027-02-12", "放", "--db", db]) == 2
    assert capsys.readouterr().err.strip() == "错误：“放”无效：请写“休”或“班”。"


def test_show_an_estimated_year(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "show", "--year", "2028", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "估算" in lines[0]
    assert "2028-01-03（星期一）元旦补假（估算）\t休\t估算" in lines  # 1 January 2028 is a Saturday


def test_deadline_prints_the_date_first_then_why(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "2026-12-17", "--rule", "decide", "--db", db]) == 0
    first, *why = capsys.readouterr().out.splitlines()
    assert first == "2027-01-04 估算"
    assert any("元旦（估算）" in line and "顺延" in line for line in why)
    assert any(line.startswith("估算：2027年") for line in why)

    assert main(["deadline", "2026-09-01", "--rule", "review", "--db", db]) == 0
    first, *why = capsys.readouterr().out.splitlines()
    assert first == "2026-10-08" and not any("估算" in line for line in why)

    for rule in RULE_NAMES:
        assert main(["deadline", "2026-03-02", "--rule", rule, "--db", db]) == 0
        assert len(capsys.readouterr().out.splitlines()[0]) == 10

    assert main(["deadline", "2026-03-02", "--rule", "appeal", "--db", db]) == 2
    assert "没有“appeal”这条期限规则" in capsys.readouterr().err
