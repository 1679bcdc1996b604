"""A full export of the demo ledger imported into an empty ledger gives the same cases and figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_UNIT
from xinfang_desk.ledger.models import Case, Department

TODAY = "2026-11-25"
#: The demo spans the year before ``TODAY`` and most of its own.
YEARS = (2025, 2026)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xinfang_desk", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("round")
    demo, copy, export = folder / "demo.sqlite", folder / "copy.sqlite", folder / "全部.xlsx"
    assert main(["demo", "--db", str(demo), "--cases", "900", "--seed", "11", "--today", TODAY]) == 0
    exported = run("export-ledger", "--db", str(demo), "--from", "2000-01-01", "--to", TODAY, "--full",
                   "-o", str(export))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    code, name = DEMO_UNIT
    assert main(["init", "--db", str(copy), "--unit-code", code, "--unit-name", name]) == 0
    imported = run("import-ledger", "--db", str(copy), str(export))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "使用了新的案件编号" not in imported.stdout
    return demo, copy


def _cases(path: Path) -> dict[str, tuple]:
    ledger = Ledger.open(path)
    with ledger.session() as s:
        rows = s.execute(
            select(
                Case.case_no, Case.received_at, Case.status, Case.accepted_at, Case.assigned_at,
                Case.handle_due_on, Case.due_on, Case.extended_days, Case.replied_at, Case.outcome,
                Case.reply_text, Case.satisfaction, Case.closed_at, Case.closed_on_time, Case.reopen_count,
                Case.supervise_count, Case.is_repeat, Case.summary, Case.content, Case.decline_reason,
                Case.forwarded_to, Case.superior_due_on, Department.name,
            ).outerjoin(Department, Department.id == Case.department_id)
        ).all()  # fmt: skip
    ledger.close()
    return {
        r[0]: tuple(v.date() if hasattr(v, "date") and callable(v.date) and v is not None else v for v in r)
        for r in rows
    }


def test_every_case_comes_back_with_its_number_dates_deadlines_and_outcome(
    ledgers: tuple[Path, Path],
) -> None:
    demo, copy = ledgers
    before, after = _cases(demo), _cases(copy)
    assert len(before) == 900 and set(after) == set(before)
    assert {c[1].year for c in before.values()} == set(YEARS)
    differing = [no for no in before if before[no] != after[no]]
    assert differing == [], [(before[no], after[no]) for no in differing[:3]]
    assert any(c[7] for c in before.values()), "the demo has extended cases"
    assert any(c[2] == "declined" for c in before.values()) and any(c[14] for c in before.values())


@pytest.mark.parametrize("year", YEARS)
def test_the_figures_of_every_year_are_identical(ledgers: tuple[Path, Path], year: int) -> None:
    demo, copy = ledgers
    figures = [run("stats", "--db", str(db), "--year", str(year), "--json") for db in (demo, copy)]
    assert all(f.returncode == 0 for f in figures)
    original, imported = (json.loads(f.stdout) for f in figures)
    assert original["received"] > 0
    assert imported == original
