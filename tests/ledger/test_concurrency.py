"""Writers wait their turn: two clerks registering and an import on one ledger, nothing fails or is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tests.exchange.test_import_ledger import excel_ledger, row
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
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
