"""``demo --unit-code/--unit-name`` and the office demo merged from several units' exports in one command."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from xinfang_desk.cli import main
from xinfang_desk.ledger.assessment import known_units
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case, MergedFile


def test_demo_builds_the_named_unit(tmp_path: Path, capsys) -> None:
    db = tmp_path / "tsg.sqlite"
    assert (
        main(["demo", "--db", str(db), "--cases", "12", "--unit-code", "TSG", "--unit-name", "图书馆"]) == 0
    )
    ledger = Ledger.open(db)
    with ledger.session() as s:
        assert set(s.scalars(select(Case.unit_code).distinct())) == {"TSG"}
        assert s.scalar(select(func.count(Case.id))) == 12
    assert ledger.info()["unit_name"] == "图书馆"
    ledger.close()


def test_an_office_demo_merges_several_units_exports(tmp_path: Path, capsys) -> None:
    db = tmp_path / "office.sqlite"
    units = "JWC:教务处,HQ:后勤集团,TSG:图书馆"
    assert (
        main(["demo", "--db", str(db), "--cases", "15", "--office-units", units, "--today", "2026-06-30"])
        == 0
    )
    assert "合并 3 个" in capsys.readouterr().out
    ledger = Ledger.open(db)
    assert ledger.is_office
    with ledger.session() as s:
        assert known_units(s) == [("HQ", "后勤集团"), ("JWC", "教务处"), ("TSG", "图书馆")]
        per_unit = dict(s.execute(select(Case.unit_code, func.count(Case.id)).group_by(Case.unit_code)).all())
        assert per_unit == {"HQ": 15, "JWC": 15, "TSG": 15}
        assert s.scalar(select(func.count(MergedFile.id))) == 3
    ledger.close()


def test_a_malformed_unit_list_is_refused_in_chinese_and_creates_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "office.sqlite"
    assert main(["demo", "--db", str(db), "--office-units", "JWC"]) != 0
    assert "代码:名称" in capsys.readouterr().err
    assert not db.exists()
