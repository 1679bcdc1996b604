"""Writers wait their turn: clerks registering beside an import or a merge on one ledger, nothing fails
or is lost, and a registration beside a long import or merge gets through within about a second."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.exchange.test_import_ledger import excel_ledger, row
from tests.helpers import draft
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.cases import register_case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.reference import create_ledger

REGISTRAR = r"""
import sys
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.vocab import Channel, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow

ledger = Ledger.open(sys.argv[1])
for i in range(int(sys.argv[2])):
    with ledger.session() as s:
        wf = Workflow(s, sys.argv[3])
        case = wf.register(CaseDraft(
            channel=Channel.VISIT, source=Source.OWN, nature=Nature.CLAIM, category="其他类",
            summary=f"{sys.argv[3]}第{i}件", petitioner=PetitionerInput(name="并发测试")))
        s.flush()
        wf.accept(case)
    print(case.case_no, flush=True)
"""

REGISTRATIONS = 40
IMPORTED = 150


def test_two_clerks_and_an_import_all_succeed_with_gapless_numbers(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    workbook = excel_ledger(
        tmp_path / "old.xlsx",
        [
            row(案件编号=f"2024-{i:03d}", 登记日期=date(2024, 3, 1 + i % 28), 办理状态="待受理")
            for i in range(IMPORTED)
        ],
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    clerks = [
        subprocess.Popen(
            [sys.executable, "-c", REGISTRAR, str(path), str(REGISTRATIONS), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("甲", "乙")
    ]
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xinfang_desk",
            "import-ledger",
            str(workbook),
            "--db",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    results = [p.communicate(timeout=300) for p in (*clerks, importer)]
    assert [p.returncode for p in (*clerks, importer)] == [0, 0, 0], [err for _out, err in results]
    assert all(not err for _out, err in results[:2])
    printed = [line for out, _err in results[:2] for line in out.split()]
    assert len(printed) == 2 * REGISTRATIONS

    ledger = Ledger.open(path)
    with ledger.reading() as s:
        numbers = list(s.execute(select(Case.year, Case.seq, Case.case_no)))
    ledger.close()
    assert set(printed) <= {n for _y, _s, n in numbers}
    assert len(numbers) == 2 * REGISTRATIONS + IMPORTED
    for year in {y for y, _s, _n in numbers}:
        seqs = sorted(s for y, s, _n in numbers if y == year)
        assert seqs == list(range(1, len(seqs) + 1))


#: How long a registration beside a long import or merge may wait (it should be about a second;
#: generous for a loaded machine with two cores).
WAIT_LIMIT_S = 2.5
#: The import and the merge below must write for clearly longer than that.
LONG_WRITE_S = 4.0


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _case_count(ledger: Ledger) -> int:
    with ledger.reading() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)


def _register_beside(path: Path, writer: subprocess.Popen[str]) -> tuple[list[tuple[str, float]], float]:
    """Register a case through ``register_case`` every 0.2 s from when ``writer`` has written its first
    case until it ends: each case number with how long its registration took, and how long this went on."""
    ledger = Ledger.open(path)
    try:
        deadline = time.monotonic() + 300
        while _case_count(ledger) == 0 and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        made: list[tuple[str, float]] = []
        began = time.monotonic()
        while writer.poll() is None and time.monotonic() < deadline:
            started = time.monotonic()
            with ledger.operation(Actor("接待员")) as ctx:
                case_no = register_case(ctx, draft(summary=f"并发登记第{len(made) + 1}件")).value.case_no
            made.append((case_no, time.monotonic() - started))
            time.sleep(0.2)
        return made, time.monotonic() - began
    finally:
        ledger.close()


def _all_present(path: Path, numbers: list[str]) -> bool:
    ledger = Ledger.open(path)
    try:
        with ledger.reading() as s:
            found = set(s.scalars(select(Case.case_no).where(Case.case_no.in_(numbers))))
    finally:
        ledger.close()
    return found == set(numbers)


LONG_IMPORT_ROWS = 800


def test_a_registration_beside_a_long_import_gets_through_within_about_a_second(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    workbook = excel_ledger(
        tmp_path / "old.xlsx",
        [
            row(
                案件编号=f"2024-{i:04d}",
                登记日期=date(2024, 1 + i % 12, 1 + i % 28),
                承办单位="教务处",
                受理日期=date(2024, 1 + i % 12, 1 + i % 28),
                办理状态="已受理",
            )  # fmt: skip
            for i in range(LONG_IMPORT_ROWS)
        ],
    )
    importer = subprocess.Popen(
        [sys.executable, "-m", "xinfang_desk", "import-ledger", str(workbook), "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        made, lasted = _register_beside(path, importer)
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert f"导入 {LONG_IMPORT_ROWS} 件案件" in out
    assert lasted >= LONG_WRITE_S, f"the import wrote for only {lasted:.1f} s: make the file longer"
    waits = [wait for _no, wait in made]
    assert max(waits) < WAIT_LIMIT_S, f"registrations waited up to {max(waits):.1f} s beside the import"
    assert _all_present(path, [no for no, _wait in made])


@pytest.fixture(scope="module")
def unit_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A unit's 6,000 demo cases exported half a month a file (about 45 files)."""
    folder = tmp_path_factory.mktemp("unit")
    unit = create_ledger(folder / "unit.sqlite", "JWC", "教务处")
    today = date(2025, 11, 20)
    build_demo(unit, cases=6000, seed=11, today=today)
    files = []
    start = date(2024, 1, 1)
    while start <= today:
        half = (
            start.replace(day=16)
            if start.day == 1
            else date(start.year + start.month // 12, start.month % 12 + 1, 1)
        )
        with unit.session() as session:
            written = export_ledger(
                session,
                folder / f"JWC-{start:%Y%m%d}.xlsx",
                "教务处管理员",
                start=start,
                end=half - timedelta(days=1),
                today=today,
                clock=lambda: datetime(2025, 11, 20, 18),
            )
        if written.identity.row_count:
            files.append(written.path)
        start = half
    unit.close()
    return files


def test_a_merge_beside_a_registration_loop_refuses_no_file_and_lets_each_registration_through(
    tmp_path: Path, unit_files: list[Path]
) -> None:
    path = tmp_path / "office.sqlite"
    create_ledger(path, "XFB", "信访与督办室", office=True).close()
    merger = subprocess.Popen(
        [sys.executable, "-m", "xinfang_desk", "merge", *map(str, unit_files), "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        made, lasted = _register_beside(path, merger)
        out, err = merger.communicate(timeout=300)
    finally:
        if merger.poll() is None:
            merger.kill()
    assert merger.returncode == 0 and "Traceback" not in err, err
    assert f"合并 {len(unit_files)} 个，拒绝 0 个" in out
    # a quiet machine merges these files in under 2 s: enough when registrations went in meanwhile
    assert lasted >= 1.0 and len(made) >= 3, f"the merge wrote for only {lasted:.1f} s: give it more files"
    waits = [wait for _no, wait in made]
    assert max(waits) < WAIT_LIMIT_S, f"registrations waited up to {max(waits):.1f} s beside the merge"
    assert _all_present(path, [no for no, _wait in made])
