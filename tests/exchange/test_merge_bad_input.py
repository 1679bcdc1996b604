"""Bad unit files: every one of the corpus ends in a clear Chinese reason and leaves the office ledger as it was."""

from __future__ import annotations

import string
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.bad_workbooks import CORPUS, BadFile, column, rewrite_export, unit_export
from xinfang_desk.export.exchange.columns import LEDGER_HEADERS
from xinfang_desk.export.exchange.merge import FileStatus, merge_workbooks
from xinfang_desk.export.exchange.workbook_reader import CaseRecord, RowProblem, RowReader
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import AuditEntry, Case, Category, Department, MergedFile, Petitioner, Unit
from xinfang_desk.ledger.reference import create_ledger


@pytest.fixture(scope="module")
def good_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unit_export(tmp_path_factory.mktemp("unit"), cases=3)


def counts(office: Ledger) -> tuple[int, ...]:
    with office.session() as s:
        tables = (Case, Petitioner, MergedFile, AuditEntry, Category, Department, Unit)
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in tables)


@pytest.mark.parametrize("bad", CORPUS, ids=lambda b: b.name)
def test_each_bad_file_is_refused_with_its_reason_and_changes_nothing(
    office: Ledger, good_export: Path, tmp_path: Path, bad: BadFile
) -> None:
    path = bad.make(good_export, tmp_path / f"{bad.name}{bad.suffix}")
    before = counts(office)
    with office.session() as session:
        report = merge_workbooks(session, [path, good_export], "主任")
    refused, good = report.files
    assert refused.status is FileStatus.REFUSED
    said = refused.reason + "\n".join(refused.problems)
    assert bad.message in said
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.reason)  # a Chinese sentence, not a traceback
    assert good.status is FileStatus.TAKEN  # the good file beside it still goes in
    with office.session() as session:
        assert session.scalar(select(func.count(MergedFile.id))) == 1
    office_after_good_only = counts(office)
    assert office_after_good_only[0] - before[0] == 3


def test_row_problems_name_every_bad_row(office: Ledger, good_export: Path, tmp_path: Path) -> None:
    def spoil(rows: list[list]) -> None:
        rows[1][column("人数")] = "三人"
        rows[3][column("信访形式")] = "飞鸽传书"

    path = rewrite_export(good_export, tmp_path / "两行有误.xlsx", spoil)
    with office.session() as session:
        result = merge_workbooks(session, [path], "主任").files[0]
    assert result.problems[0].startswith("第 2 行：人数")
    assert result.problems[1].startswith("第 4 行：信访形式“飞鸽传书”不是可选值")


_cells = st.one_of(
    st.none(),
    st.text(
        alphabet=string.printable.replace("\x0b", "").replace("\x0c", "") + "是否来访已办结二〇二五年月日-/",
        max_size=40,
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_cells, min_size=0, max_size=len(LEDGER_HEADERS) + 3))
def test_any_cell_values_give_a_record_or_chinese_reasons_never_a_crash(cells: list) -> None:
    reader = RowReader(LEDGER_HEADERS, required=LEDGER_HEADERS, file_name="x.xlsx", today=date(2025, 6, 30))
    result = reader.read(7, cells)
    if isinstance(result, RowProblem):
        assert result.text().startswith("第 7 行：") and result.reasons
    else:
        assert isinstance(result, CaseRecord)
        reader.check_exported(result, "JWC", datetime(2025, 6, 30))
        assert len(result.fingerprint()) == 64


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["登记日期", "人数", "修订号", "案件ID", "办理状态", "受理日期", "最后修改时间"]),
    _cells,
)
def test_a_fuzzed_cell_in_a_real_file_is_taken_or_refused_whole(
    good_export: Path, tmp_path_factory: pytest.TempPathFactory, header: str, value: object
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    office = create_ledger(folder / "office.sqlite", "XFB", "信访与督办室", office=True)
    try:
        path = rewrite_export(
            good_export, folder / "fuzz.xlsx", lambda rows: rows[1].__setitem__(column(header), value)
        )
        with office.session() as session:
            result = merge_workbooks(session, [path], "主任").files[0]
        cases = counts(office)[0]
        assert (result.status, cases) in ((FileStatus.TAKEN, 3), (FileStatus.REFUSED, 0))
        if result.status is FileStatus.REFUSED:
            assert result.reason
    finally:
        office.close()
