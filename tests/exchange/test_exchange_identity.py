"""The exchange identity of an exported 台账: the checksum recognises an edited or truncated file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tests.helpers import Clock, draft
from xinfang_desk.export.exchange.cells import clean_text, safe_value
from xinfang_desk.export.exchange.columns import FORMAT_VERSION, HISTORY_HEADERS, LEDGER_HEADERS
from xinfang_desk.export.exchange.identity import (
    ExchangeFileError,
    RowHasher,
    canonical_text,
    ledger_checksum,
    read_identity,
    verify_ledger_file,
)
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.ledger.vocab import Outcome
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, module_location: str | Path) -> Path:
    """A fresh export of a small ledger (five cases of 2025), on the engine the tests run on."""
    from xinfang_desk.ledger.reference import create_ledger

    folder = tmp_path_factory.mktemp("exchange")
    ledger = create_ledger(module_location, "JWC", "教务处")
    clock = Clock(datetime(2025, 9, 1, 12, 0))
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=clock)
        for day in range(5):
            case = wf.register(
                draft(
                    received_at=datetime(2025, 3, 1 + day, 9, 7, 31),
                    petitioner=PetitionerInput(name=f"张堃{day}", phone="13812345678"),
                )
            )
            s.flush()
            wf.accept(case, at=datetime(2025, 3, 2 + day, 10))
            wf.reply(case, Outcome.EXPLAINED, "已解释", at=datetime(2025, 3, 9 + day, 10))
    with ledger.session() as s:
        export_ledger(s, folder / "t.xlsx", "王主任", start=date(2025, 1, 1), end=date(2025, 12, 31))
    ledger.close()
    return folder / "t.xlsx"


def _letter(header: str) -> str:
    return get_column_letter(LEDGER_HEADERS.index(header) + 1)


def _edited(source: Path, target: Path, change, sheet: str = "信访台账") -> Path:
    workbook = load_workbook(source)
    change(workbook[sheet])
    workbook.save(target)
    return target


def test_a_fresh_export_verifies(exported: Path) -> None:
    identity = verify_ledger_file(exported)
    assert identity.row_count == 5 and len(identity.checksum) == 64


def test_saving_without_changes_still_verifies(exported: Path, tmp_path: Path) -> None:
    assert verify_ledger_file(_edited(exported, tmp_path / "same.xlsx", lambda sheet: None)).row_count == 5


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("E3", "李四"),  # 信访人
        ("F2", 2),  # 人数
        ("B4", datetime(2025, 3, 4)),  # 登记日期, one day off
        (f"{_letter('最后修改时间')}6", datetime(2025, 9, 1, 12, 0, 1)),  # one second off
        (f"{_letter('修订号')}2", 2),
        ("N5", "宿舍热水器损坏两周未修 "),  # a trailing space
    ],
)
def test_one_changed_cell_fails_the_checksum(
    exported: Path, tmp_path: Path, cell: str, value: object
) -> None:
    def change(sheet) -> None:
        assert sheet[cell].value != value
        sheet[cell].value = value

    edited = _edited(exported, tmp_path / "edited.xlsx", change)
    with pytest.raises(ExchangeFileError, match="校验值不符"):
        verify_ledger_file(edited)


def test_removed_rows_are_recognised(exported: Path, tmp_path: Path) -> None:
    truncated = _edited(exported, tmp_path / "cut.xlsx", lambda sheet: sheet.delete_rows(5, 2))
    with pytest.raises(ExchangeFileError, match="应有 5 行案件，实际为 3 行"):
        verify_ledger_file(truncated)


def test_an_added_row_is_recognised(exported: Path, tmp_path: Path) -> None:
    def add(sheet) -> None:
        sheet.append([c.value for c in sheet[2]])

    with pytest.raises(ExchangeFileError, match="实际为 6 行"):
        verify_ledger_file(_edited(exported, tmp_path / "more.xlsx", add))


def _swap(sheet, first: int, second: int, columns: slice = slice(None)) -> None:
    a = [c.value for c in sheet[first]][columns]
    b = [c.value for c in sheet[second]][columns]
    for cell, value in zip(sheet[first][columns], b, strict=True):
        cell.value = value
    for cell, value in zip(sheet[second][columns], a, strict=True):
        cell.value = value


def test_sorted_rows_keep_the_identity(exported: Path, tmp_path: Path) -> None:
    swapped = _edited(exported, tmp_path / "swap.xlsx", lambda sheet: _swap(sheet, 2, 6))
    assert verify_ledger_file(swapped).row_count == 5


def test_a_value_moved_to_another_row_fails_the_checksum(exported: Path, tmp_path: Path) -> None:
    # the two 信访人 change places, the rest of the rows stay: the content is no longer the same
    column = LEDGER_HEADERS.index("信访人")
    edited = _edited(
        exported, tmp_path / "moved.xlsx", lambda sheet: _swap(sheet, 2, 3, slice(column, column + 1))
    )
    with pytest.raises(ExchangeFileError, match="校验值不符"):
        verify_ledger_file(edited)


def test_line_endings_and_trailing_empty_rows_keep_the_identity(tmp_path: Path) -> None:
    rows = [["A", "B"], ["第一行\r\n第二行", 1], ["x", None]]
    same = [["A", "B"], ["x", None], ["第一行\n第二行", 1.0], [None, None], ["", ""]]
    assert ledger_checksum(rows, 2) == ledger_checksum(same, 2)
    assert ledger_checksum(rows, 2) != ledger_checksum([*rows, ["y", None]], 2)
    assert ledger_checksum(rows, 2, version=1) != ledger_checksum(same, 2, version=1)


def test_a_changed_statistics_sheet_is_refused(exported: Path, tmp_path: Path) -> None:
    workbook = load_workbook(exported)
    sheet = workbook["统计"]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "登记量")
    row[1].value = row[1].value + 10
    workbook.save(tmp_path / "stats.xlsx")
    with pytest.raises(ExchangeFileError, match="统计表"):
        verify_ledger_file(tmp_path / "stats.xlsx")


def _history_letter(header: str) -> str:
    return get_column_letter(HISTORY_HEADERS.index(header) + 1)


def test_the_history_sheet_has_every_step_of_every_case(exported: Path) -> None:
    identity = verify_ledger_file(exported)
    rows = list(load_workbook(exported)["办理记录"].iter_rows(values_only=True))
    assert rows[0] == HISTORY_HEADERS and identity.history_rows == len(rows) - 1 == 15
    first = rows[1:4]
    assert [(r[1], r[3], r[4]) for r in first] == [
        (1, "登记", "王主任"),
        (2, "受理", "王主任"),
        (3, "答复", "王主任"),
    ]
    assert (
        first[2][2] == datetime(2025, 3, 9, 10) and first[2][5] == "已解释" and "解释疏导到位" in first[2][6]
    )


@pytest.mark.parametrize(
    ("header", "row", "value"),
    [
        ("内容", 4, "已解释清楚"),  # the reply's note
        ("经办人", 2, "李主任"),
        ("时间", 3, datetime(2025, 3, 2, 10, 0, 1)),  # one second off
        ("步骤", 3, "不予受理"),
        ("步骤序号", 4, 4),
    ],
)
def test_one_changed_step_fails_its_checksum(
    exported: Path, tmp_path: Path, header: str, row: int, value: object
) -> None:
    def change(sheet) -> None:
        cell = sheet[f"{_history_letter(header)}{row}"]
        assert cell.value != value
        cell.value = value

    edited = _edited(exported, tmp_path / "edited.xlsx", change, "办理记录")
    with pytest.raises(ExchangeFileError, match="办理记录表与校验值不符"):
        verify_ledger_file(edited)


def test_a_removed_or_added_step_is_recognised_and_sorted_steps_are_not_an_edit(
    exported: Path, tmp_path: Path
) -> None:
    cut = _edited(exported, tmp_path / "cut.xlsx", lambda sheet: sheet.delete_rows(5), "办理记录")
    with pytest.raises(ExchangeFileError, match="办理记录表应有 15 行，实际为 14 行"):
        verify_ledger_file(cut)
    more = _edited(
        exported, tmp_path / "more.xlsx", lambda sheet: sheet.append([c.value for c in sheet[2]]), "办理记录"
    )
    with pytest.raises(ExchangeFileError, match="实际为 16 行"):
        verify_ledger_file(more)
    swapped = _edited(exported, tmp_path / "swap.xlsx", lambda sheet: _swap(sheet, 2, 16), "办理记录")
    assert verify_ledger_file(swapped).history_rows == 15

    workbook = load_workbook(exported)
    del workbook["办理记录"]
    workbook.save(tmp_path / "gone.xlsx")
    with pytest.raises(ExchangeFileError, match="办理记录表应有 15 行，实际为 0 行"):
        verify_ledger_file(tmp_path / "gone.xlsx")


def test_a_changed_header_is_refused(exported: Path, tmp_path: Path) -> None:
    def rename(sheet) -> None:
        sheet["E1"].value = "姓名"

    with pytest.raises(ExchangeFileError, match="表头"):
        verify_ledger_file(_edited(exported, tmp_path / "h.xlsx", rename))


def test_a_forged_identity_is_refused(exported: Path, tmp_path: Path) -> None:
    workbook = load_workbook(exported)
    info = workbook["_交换信息"]
    for row in info.iter_rows(min_row=2):
        if row[0].value == "row_count":
            row[1].value = "4"
    workbook.save(tmp_path / "f.xlsx")
    with pytest.raises(ExchangeFileError, match="应有 4 行"):
        verify_ledger_file(tmp_path / "f.xlsx")


def test_unknown_version_and_foreign_files_are_refused_with_a_reason(exported: Path, tmp_path: Path) -> None:
    workbook = load_workbook(exported)
    for row in workbook["_交换信息"].iter_rows(min_row=2):
        if row[0].value == "format_version":
            row[1].value = str(FORMAT_VERSION + 1)
    workbook.save(tmp_path / "newer.xlsx")
    with pytest.raises(ExchangeFileError, match=f"版本为 {FORMAT_VERSION + 1}"):
        read_identity(tmp_path / "newer.xlsx")

    plain = Workbook()
    plain.active.append(["案件编号"])
    plain.save(tmp_path / "plain.xlsx")
    with pytest.raises(ExchangeFileError, match="不是信访台账导出文件"):
        verify_ledger_file(tmp_path / "plain.xlsx")

    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(ExchangeFileError, match="不是有效的 Excel"):
        verify_ledger_file(tmp_path / "junk.xlsx")
    with pytest.raises(ExchangeFileError, match="不存在"):
        verify_ledger_file(tmp_path / "missing.xlsx")


def test_canonical_text_follows_the_documented_rules() -> None:
    assert canonical_text(None) == ""
    assert canonical_text(5) == canonical_text(5.0) == "5"
    assert canonical_text(2.5) == "2.5"
    assert canonical_text(date(2025, 3, 1)) == canonical_text(datetime(2025, 3, 1)) == "2025-03-01"
    assert canonical_text(datetime(2025, 3, 1, 9, 7, 30, 999_999)) == "2025-03-01 09:07:31"
    assert canonical_text(True) == "是"
    assert ledger_checksum([["a", "b"]], width=2) != ledger_checksum([["a", "b", "c"]], width=3)
    assert ledger_checksum([["ab", ""]], width=2) != ledger_checksum([["a", "b"]], width=2)
    assert ledger_checksum([["a"], ["b"]], width=1) != ledger_checksum([["b"], ["a"]], width=1)


_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
_values = st.one_of(
    st.none(),
    _texts,
    st.integers(-(10**9), 10**9),
    st.dates(date(1950, 1, 1), date(2100, 12, 31)),
    st.datetimes(datetime(1950, 1, 1), datetime(2100, 12, 31)).map(lambda d: d.replace(microsecond=0)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_values, min_size=3, max_size=3), min_size=1, max_size=5))
def test_the_checksum_survives_a_round_trip_through_the_file(tmp_path_factory, rows: list[list]) -> None:
    rows = [[clean_text(v) if isinstance(v, str) else v for v in row] for row in rows]
    path = tmp_path_factory.mktemp("rt") / "r.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    written = RowHasher(width=3)
    for row in rows:
        written.add(row)
        sheet.append([safe_value(sheet, v) for v in row])
    workbook.save(path)
    read = RowHasher(width=3)
    for row in load_workbook(path, read_only=True)["s"].iter_rows(max_col=3, values_only=True):
        read.add(row)
    # rows that are entirely empty are not stored by the file format at all
    assert read.rows <= written.rows
    if all(any(canonical_text(v) for v in row) for row in rows):
        assert read.hexdigest() == written.hexdigest()


def test_datetimes_keep_their_second_through_excel_serial_numbers(tmp_path: Path) -> None:
    start = datetime(2025, 1, 1, 0, 0, 1)
    stamps = [start + timedelta(seconds=37 * i + 0.0) for i in range(2000)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    for stamp in stamps:
        sheet.append([stamp])
    workbook.save(tmp_path / "d.xlsx")
    back = [r[0] for r in load_workbook(tmp_path / "d.xlsx", read_only=True)["s"].iter_rows(values_only=True)]
    assert [canonical_text(v) for v in back] == [canonical_text(v) for v in stamps]


def test_the_export_names_the_history_it_was_made_from(tmp_path: Path) -> None:
    """The identity carries the hash chain's head: a later rewrite of the unit's history no longer leads to it."""
    from xinfang_desk.ledger import chain
    from xinfang_desk.ledger.reference import create_ledger

    ledger = create_ledger(tmp_path / "l.sqlite", "JWC", "教务处")
    with ledger.session() as s:
        Workflow(s, "王主任").register(draft(received_at=datetime(2025, 3, 1, 9)))
    with ledger.session() as s:
        head = chain.last_hash(s.connection())
        export_ledger(s, tmp_path / "t.xlsx", "王主任", start=date(2025, 1, 1), end=date(2025, 12, 31))
    ledger.close()
    assert head != chain.GENESIS and read_identity(tmp_path / "t.xlsx").history_hash == head
