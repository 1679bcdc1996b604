"""An office demo ledger made the way a real one is: several units' demo ledgers, exported and merged.

Each unit gets its own demo ledger (its own seed) in a private temporary folder, exports its 台账 as a
unit does, and the office ledger merges the files; the temporary ledgers and files are then removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.export.exchange.merge import MergeReport, merge_workbooks
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.reference import create_ledger

#: The office's own code and name in an office demo.
OFFICE_DEMO_UNIT = ("XFB", "信访与督办室")
#: Units of the office demo when none are named: (code, name).
DEMO_UNITS: tuple[tuple[str, str], ...] = (
    ("JWC", "教务处"),
    ("HQ", "后勤集团"),
    ("TSG", "图书馆"),
    ("TM", "土木工程学院"),
)


def parse_units(text: str) -> list[tuple[str, str]]:
    """``"JWC:教务处,HQ:后勤集团"`` → [("JWC", "教务处"), ("HQ", "后勤集团")]; a clear message if malformed."""
    units = []
    for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        code, _sep, name = part.partition(":")
        code, name = code.strip(), name.strip()
        if not code or not name:
            raise ValidationError(f"单位应写作“代码:名称”，如 JWC:教务处：{part}")
        units.append((code, name))
    if not units:
        raise ValidationError("请至少给出一个单位，如 JWC:教务处。")
    if len({code for code, _n in units}) != len(units):
        raise ValidationError("单位代码不能重复。")
    return units


def build_office_demo(
    office: Ledger,
    units: Sequence[tuple[str, str]],
    *,
    cases: int,
    seed: int,
    today: date,
    actor: str = "演示数据",
    progress: Callable[[str], None] | None = None,
) -> MergeReport:
    """Fill the office ledger with ``cases`` demo cases per unit, merged from the units' exports."""
    folder = Path(tempfile.mkdtemp(prefix="xinfang_desk_demo_"))
    try:
        files = []
        for index, (code, name) in enumerate(units):
            if progress is not None:
                progress(f"正在生成{name}的演示台账……")
            unit = create_ledger(folder / f"{code}.sqlite", code, name)
            try:
                build_demo(unit, cases=cases, seed=seed + index, today=today, actor=actor)
                moment = datetime.combine(today, time(18, 0))
                with unit.session() as session:
                    export_ledger(
                        session,
                        folder / f"{code}.xlsx",
                        actor,
                        start=date(2000, 1, 1),
                        end=today,
                        today=today,
                        clock=lambda moment=moment: moment,
                    )
            finally:
                unit.close()
            files.append(folder / f"{code}.xlsx")
        if progress is not None:
            progress("正在合并各单位台账……")
        with office.session() as session:
            return merge_workbooks(session, files, actor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
