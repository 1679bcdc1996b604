"""The merge's fast paths give exactly what the plain definitions give: checksum, fingerprints, rows."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
)

from xinfang_desk.export.exchange.columns import COLUMNS, HISTORY_HEADERS, LEDGER_HEADERS, Column
from xinfang_desk.export.exchange.history_reading import HistoryRead, _StepReader
from xinfang_desk.export.exchange.identity import RowHasher, canonical_text
from xinfang_desk.export.exchange.merge import _new_uuids
from xinfang_desk.export.exchange.workbook_reader import (
    CaseRecord,
    CellError,
    RowProblem,
    RowReader,
    cell_reader,
    column_reader,
    fingerprints,
)
from xinfang_desk.ledger.compact_forms import CompactTime, CompactUuid
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.provenance import _in_several_units, _person_keys
from xinfang_desk.ledger.storage import backend_for
from xinfang_desk.ledger.storage.base import index_texts, short_grams
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Satisfaction, Source, Status

_cells = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=8),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 3.5, 0, 1, True, False]),
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    st.datetimes(datetime(1990, 1, 1), datetime(2100, 12, 31)),
    st.datetimes(datetime(2025, 1, 1), datetime(2025, 1, 3)).map(lambda d: d.replace(microsecond=0)),
    st.dates(date(2025, 1, 1), date(2025, 1, 3)).map(lambda d: datetime(d.year, d.month, d.day)),
    st.just(datetime(2025, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))),
    st.sampled_from(list(Status)),
)


def _documented_text(value: object) -> str:
    """A cell's text as exchange.py's docstring words it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        rounded = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return rounded.date().isoformat() if rounded.time() == time(0) else rounded.isoformat(sep=" ")
    assert isinstance(value, date)
    return value.isoformat()


def _documented_checksum(rows: list[list], width: int) -> str:
    """The checksum exactly as exchange.py's docstring defines it."""
    texts = []
    for row in rows:
        cells = [_documented_text(v) for v in row[:width]] + [""] * max(0, width - len(row))
        texts.append("\x1f".join(cells))
    return hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()


def _documented_checksum_v2(rows: list[list], width: int) -> str:
    """The version 2 checksum exactly as identity.py's docstring defines it."""
    texts = []
    for row in rows:
        cells = [_documented_text(v) for v in row[:width]] + [""] * max(0, width - len(row))
        texts.append("\x1f".join(cells).replace("\r\n", "\n").replace("\r", "\n"))
    digests = [hashlib.sha256(t.encode("utf-8")).digest() for t in texts[1:] if t != "\x1f" * (width - 1)]
    head = hashlib.sha256(texts[0].encode("utf-8")).digest() if texts else b""
    return hashlib.sha256(head + b"".join(sorted(digests))).hexdigest()


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 5),
    rows=st.lists(st.lists(_cells, max_size=6), max_size=40),
    kept=st.sampled_from([None, (date,), (float,), (datetime,), (bool, int, float), (str, date)]),
    cuts=st.lists(st.integers(0, 40), max_size=4),
)
def test_batches_and_single_rows_hash_as_the_documented_checksum(
    width: int, rows: list[list], kept: tuple[type, ...] | None, cuts: list[int]
) -> None:
    if kept is not None:  # columns of a few classes take the per-column shortcuts
        rows = [[v for v in row if type(v) in kept] for row in rows]
    expected = _documented_checksum(rows, width)
    single = RowHasher(width, 1)
    for row in rows:
        single.add(row)
    batched = RowHasher(width, 1)
    bounds = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)})
    for start, end in zip(bounds, bounds[1:], strict=False):
        batched.add_rows(rows[start:end])
    assert single.rows == batched.rows == len(rows)
    assert single.hexdigest() == batched.hexdigest() == expected
    unordered = RowHasher(width, 2)
    for start, end in zip(bounds, bounds[1:], strict=False):
        unordered.add_rows(rows[start:end])
    assert unordered.hexdigest() == _documented_checksum_v2(rows, width)
    assert [canonical_text(v) for row in rows for v in row] == [
        _documented_text(v) for row in rows for v in row
    ]


def test_many_rows_hash_in_chunks_as_one_text() -> None:
    day = date(2025, 1, 1)
    rows = [[f"JWC-2025-{i:04d}", day + timedelta(days=i % 300), float(i % 7), None] for i in range(5000)]
    for version, documented in ((1, _documented_checksum), (2, _documented_checksum_v2)):
        hasher = RowHasher(4, version)
        hasher.add_rows(rows[:2500])
        for row in rows[2500:]:
            hasher.add(row)
        assert hasher.hexdigest() == documented(rows, 4)


def test_equal_values_of_different_kinds_keep_their_own_text() -> None:
    rows = [[value, value] for value in (True, 1, 1.0, 0, False, -0.0, 0.0, 2.5, None, "")]
    for version, documented in ((1, _documented_checksum), (2, _documented_checksum_v2)):
        hasher = RowHasher(2, version)
        hasher.add_rows(rows)
        assert hasher.hexdigest() == documented(rows, 2)


# -- reading rows a column at a time -------------------------------------------------------------
_uuids = st.uuids().map(str)
_row_cells = st.one_of(
    st.just(""),
    st.sampled_from(
        ["是", "否", " 是", "Y", "0", "来信", "letter", "已办结", "未评价", "学生", "  张喆 ", "x" * 120]
    ),
    st.sampled_from([s.label for s in Status] + [c.label for c in Channel] + [s.label for s in Satisfaction]),
    st.text(max_size=6),
    _uuids,
    _uuids.map(str.upper),
    st.sampled_from([0.0, 1.0, 2.0, 7.0, -1.0, 1.5, 2_000_000.0, float("nan")]),
    st.integers(-3, 3),
    st.booleans(),
    st.dates(date(1995, 1, 1), date(2030, 12, 31)),
    st.datetimes(datetime(1995, 1, 1), datetime(2030, 12, 31)),
    st.sampled_from(["2025-03-01", "2025/3/1", "2025年03月01日", "2025-03-01 08:30", "昨天"]),
)


@settings(max_examples=300, deadline=None)
@given(column=st.sampled_from(COLUMNS), cells=st.lists(_row_cells, max_size=12), uniform=st.booleans())
def test_a_whole_column_reads_as_its_cells_one_by_one(column: Column, cells: list, uniform: bool) -> None:
    if uniform and cells:  # columns of one class of cell take the quick paths
        cells = [c for c in cells if type(c) is type(cells[0])]
    each = cell_reader(column)
    together = column_reader(column)(cells)
    try:
        one_by_one = [each(c) for c in cells]
    except CellError:
        assert together is None  # a cell with a reason is left to the cell-by-cell reading
        return
    if together is not None:
        assert together == one_by_one
        assert [type(v) for v in together] == [type(v) for v in one_by_one]


_sheet_rows = st.lists(
    st.lists(_row_cells, min_size=len(LEDGER_HEADERS) - 2, max_size=len(LEDGER_HEADERS) + 1), max_size=8
)


@settings(max_examples=200, deadline=None)
@given(rows=_sheet_rows, shuffled=st.permutations(LEDGER_HEADERS))
def test_reading_rows_together_gives_each_row_its_own_record_or_reasons(rows: list, shuffled: list) -> None:
    reader = RowReader(shuffled, required=LEDGER_HEADERS, file_name="x.xlsx", today=date(2025, 6, 30))
    numbered = [(row_number, cells) for row_number, cells in enumerate(rows, start=2)]
    together = reader.read_rows(numbered)
    alone = [reader.read(n, c) for n, c in numbered]
    assert together == alone
    for (row_number, _cells), result in zip(numbered, together, strict=True):
        assert result.row_number == row_number
        assert isinstance(result, CaseRecord | RowProblem)


def test_a_bad_cell_spoils_only_its_own_row() -> None:
    reader = RowReader(LEDGER_HEADERS, required=LEDGER_HEADERS, file_name="x.xlsx", today=date(2025, 6, 30))
    good = {
        "案件编号": "JWC-2025-0001",
        "登记日期": date(2025, 3, 1),
        "信访形式": "来信",
        "信访人": "张喆",
        "人数": 2.0,
        "事项性质": Nature.CLAIM.label,
        "问题类别": "教学管理",
        "内容摘要": "补考安排",
        "办理状态": Status.REGISTERED.label,
        "修订号": 1.0,
    }
    rows = []
    for number, people in ((2, 2.0), (3, "三个"), (4, 3.0)):
        cells = dict(good, 人数=people)
        rows.append((number, [cells.get(h, "") for h in LEDGER_HEADERS]))
    first, bad, last = reader.read_rows(rows)
    assert isinstance(first, CaseRecord) and first.people_count == 2
    assert isinstance(bad, RowProblem) and bad.reasons == ("人数“三个”不是整数",)
    assert isinstance(last, CaseRecord) and last.people_count == 3
    # empty cells keep the record's defaults
    assert first.identity_type is IdentityType.STUDENT and first.satisfaction is Satisfaction.NONE
    assert first.source is Source.OWN and first.supervise_count == 0 and first.accepted_on is None
    empty_people = reader.read_rows([(5, [dict(good, 人数="").get(h, "") for h in LEDGER_HEADERS])])[0]
    assert isinstance(empty_people, CaseRecord) and empty_people.people_count == 1


def _documented_fingerprint(record: CaseRecord) -> str:
    """CaseRecord.fingerprint as its docstring words it."""
    values = dict(record.__dict__)
    del values["row_number"], values["present"]
    values["id_number"] = mask_id_number(record.id_number)
    values["phone"] = mask_phone(record.phone)
    text = "\x1f".join("" if v is None else str(v) for v in values.values())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=100, deadline=None)
@given(rows=_sheet_rows)
def test_fingerprints_together_are_each_records_own(rows: list) -> None:
    reader = RowReader(LEDGER_HEADERS, required=LEDGER_HEADERS, file_name="x.xlsx", today=date(2030, 12, 31))
    records = [r for r in reader.read_rows(list(enumerate(rows, start=2))) if isinstance(r, CaseRecord)]
    records += [
        CaseRecord(9, case_no="JWC-2025-0009", id_number="340102199001011234", phone="13812345678"),
        CaseRecord(10, people_count=1, closed_on_time=True, is_repeat=True, revision=1),
        # values of unexpected kinds that compare equal still keep their own text
        CaseRecord(11, people_count=True, updated_at=datetime(2025, 3, 1, 8, tzinfo=UTC)),
        CaseRecord(
            12, people_count=1.0, updated_at=datetime(2025, 3, 1, 16, tzinfo=timezone(timedelta(hours=8)))
        ),
    ]
    assert fingerprints(records) == [_documented_fingerprint(r) for r in records]
    assert [r.fingerprint() for r in records] == fingerprints(records)


def test_case_ids_in_capitals_or_braces_read_as_the_usual_lowercase_form() -> None:
    reader = RowReader(
        ["案件ID", "登记日期"], required=["案件ID"], file_name="x.xlsx", today=date(2025, 6, 30)
    )
    day = date(2025, 3, 1)
    for given_ids in (
        ["2655634C-2260-4F0D-96FA-497F5519D86A", "2655634C-2260-4F0D-96FA-497F5519D86B"],
        ["{2655634c-2260-4f0d-96fa-497f5519d86a}", "2655634c22604f0d96fa497f5519d86b"],
    ):
        records = reader.read_rows([(2, [given_ids[0], day]), (3, [given_ids[1], day])])
        assert [r.uuid for r in records] == [
            "2655634c-2260-4f0d-96fa-497f5519d86a",
            "2655634c-2260-4f0d-96fa-497f5519d86b",
        ]


# -- the short-word index of merged (and all) cases ------------------------------------------------
def _documented_short_grams(text: str | None) -> str:
    """sqlite.short_grams as its docstring words it, a character at a time."""
    grams: list[str] = []
    run: list[str] = []
    for ch in (text or "").lower() + " ":
        if ch.isalnum():
            run.append(ch)
            continue
        if run:
            grams.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
            grams.append(run[-1])
            run = []
    return " ".join(grams)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), st.text(), st.text(alphabet="宿舍空调_- İıßǅⅫ①²٣〇a1.")))
def test_short_grams_are_the_documented_grams(text: str | None) -> None:
    assert short_grams(text) == _documented_short_grams(text)


# -- 多头访: only people named in two units are looked at ---------------------------------------------
_people = st.tuples(
    st.sampled_from(["王喆", "李玥", "张伟", "", "匿名"]),
    st.sampled_from([None, "340104199001011239", "3401**********1239", "110101198002023456"]),
    st.sampled_from([None, "13812345678", "138****5678", "13900001111"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(_people, st.sampled_from(["JWC", "HQ", "TSG"]), st.integers(1, 3), st.integers(0, 200)),
        max_size=30,
    )
)
def test_people_in_one_unit_only_are_left_out_but_no_group_across_units_loses_a_petition(
    petitions: list,
) -> None:
    named = [
        (i, f"{unit}-{i}", unit, datetime(2025, 1, 1) + timedelta(days=day), category, name, id_number, phone)
        for i, ((name, id_number, phone), unit, category, day) in enumerate(petitions)
        if name and name != "匿名"
    ]
    kept = set(_in_several_units(named))
    groups: dict[tuple[str, int], list[tuple]] = {}
    for row in named:
        for _level, key in _person_keys(row[5], row[6], row[7]):
            groups.setdefault((key, row[4]), []).append(row)
    across = [members for members in groups.values() if len({m[2] for m in members}) > 1]
    assert all(set(members) <= kept for members in across)

    def units_sharing(index: int, row: tuple) -> set[str]:
        return {r[2] for r in named if r[index] == row[index] and r[4] == row[4]}

    alone = {
        row
        for row in named
        if len(units_sharing(5, row)) == 1 and (not row[6] or len(units_sharing(6, row)) == 1)
    }
    assert not alone & kept


def test_new_petitioner_ids_are_distinct_version_4_uuids() -> None:
    made = _new_uuids(500)
    assert len(set(made)) == 500
    assert all(uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text for text in made)
    assert all(uuid.UUID(text).variant == uuid.RFC_4122 for text in made)


# -- rows written as SQLAlchemy would write them --------------------------------------------------------
def test_rows_are_stored_exactly_as_an_orm_insert_stores_them(empty_location: str | Path) -> None:
    """The engine's bulk writer (SQLite's prepared rows, PostgreSQL's COPY) stores what SQLAlchemy would."""
    metadata = MetaData()

    def columns() -> list[sa.Column]:
        return [
            sa.Column("id", Integer, primary_key=True),
            sa.Column("day", Date),
            sa.Column("at", DateTime),
            sa.Column("flag", Boolean),
            sa.Column("data", JSON),
            sa.Column("note", String(20), nullable=False, default="空"),
            sa.Column("uid", CompactUuid),
            sa.Column("moment", CompactTime),
        ]

    tables = [Table(name, metadata, *columns()) for name in ("by_core", "by_writer")]
    location = str(empty_location)
    engine = create_engine(location if "://" in location else f"sqlite:///{location}")
    metadata.create_all(engine)
    case_id = "9dd0a838-81a0-4efa-839d-1511ffe6e6b5"
    # a UUID in braces is read as one in a ledger file (16 bytes); a server's column holds 36 characters
    braced = "{" + case_id + "}" if engine.dialect.name == "sqlite" else case_id.upper().replace("-", "")
    values = [
        (1, date(2025, 3, 1), datetime(2025, 3, 1), True, {"a": 1}, case_id, datetime(2025, 3, 1, 8)),
        (
            2,
            date(2025, 3, 1),
            datetime(2025, 3, 1, 8, 30, 5, 12),
            False,
            [1, 2],
            case_id.upper(),
            date(2025, 3, 1),
        ),
        (
            3,
            date(987, 6, 5),
            datetime(987, 6, 5, 23, 59, 59, 999999),
            False,
            "x",
            "c-1",
            datetime(987, 6, 5, 1),
        ),
        (4, None, datetime(2025, 3, 1, 8, tzinfo=timezone(timedelta(hours=8))), None, None, None, None),
        (5, date(2025, 3, 1), datetime(2025, 3, 1, 0, tzinfo=UTC), True, 5, braced, None),
        (
            6,
            date(1999, 12, 31),
            datetime(2025, 3, 1),
            True,
            True,
            case_id.replace("-", ""),
            datetime(2025, 3, 1),
        ),
    ]
    names = ("id", "day", "at", "flag", "data", "uid", "moment")
    writer = backend_for(engine).row_writer(tables[1], names)
    with engine.begin() as connection:
        connection.execute(insert(tables[0]), [dict(zip(names, row, strict=True)) for row in values])
        writer.insert(connection, values[:3])  # times without a zone only
        writer.insert(connection, values[3:])
    with engine.connect() as connection:
        stored = [connection.exec_driver_sql(f"SELECT * FROM {t.name} ORDER BY id").all() for t in tables]
    engine.dispose()
    assert stored[1] == stored[0]


_parts = st.text(alphabet="宿舍空调_- .ΣσİıßǅⅫ①²٣〇aA1", max_size=12)


@settings(max_examples=300, deadline=None)
@given(_parts, _parts, _parts, _parts)
def test_prepared_index_texts_are_what_the_triggers_would_index(case_no, summary, content, name) -> None:
    body, grams = index_texts(case_no, summary, content, name)
    assert body == f"{case_no} {summary} {content} {name}"
    assert grams == _documented_short_grams(body)


# -- the 办理记录 sheet read in batches -----------------------------------------------------------------
_STEP_CASES = {
    "9dd0a838-81a0-4efa-839d-1511ffe6e6b5": ("JWC-2025-0001", 3),
    "0c6f1f0e-5a55-4a43-9d2b-7f2b1c0a4e11": ("JWC-2025-0002", 2),
}
_steps = st.tuples(
    st.sampled_from(
        [*_STEP_CASES, "", "1b4e28ba-2fa1-4d2b-883f-0016d3cca427"]
    ),  # a case, none, another file's
    st.booleans(),  # its case number as the 台账 gives it
    st.one_of(st.integers(1, 4).map(float), st.just("")),
    st.sampled_from([datetime(2025, 3, 1, 9, 30), datetime(2031, 1, 1), datetime(1999, 1, 1), ""]),
    st.sampled_from(["登记", "交办", "随便写", ""]),
    st.sampled_from(["", "张三", "李四"]),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(_steps, max_size=30), cuts=st.lists(st.integers(0, 30), max_size=4))
def test_steps_read_in_any_batches_are_the_same_steps_and_problems(steps: list, cuts: list) -> None:
    """A batch whose rows are all usual is taken at once; any batching takes and names the same rows."""
    rows = [
        (
            number,
            [
                _STEP_CASES[uuid][0] if uuid in _STEP_CASES and right_number else "JWC-2025-0099",
                seq,
                at,
                kind,
                actor,
                "内容",
                "详情",
                uuid,
            ],
        )
        for number, (uuid, right_number, seq, at, kind, actor) in enumerate(steps, start=2)
    ]

    def read(batches: list[list]) -> HistoryRead:
        reader = _StepReader(list(HISTORY_HEADERS), "x.xlsx", _STEP_CASES, datetime(2025, 11, 20))
        result = HistoryRead()
        for batch in batches:
            reader.read(batch, result)
        return result

    bounds = [0, *sorted(cuts), len(rows)]
    whole, batched = read([rows]), read([rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)])
    one_by_one = read([[row] for row in rows])
    assert whole.events == batched.events == one_by_one.events
    assert whole.problems == batched.problems == one_by_one.problems
