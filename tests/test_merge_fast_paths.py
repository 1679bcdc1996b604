"""The merge's fast paths give exactly what the plain definitions give: checksum, fingerprints, rows."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang_desk.export.exchange import RowHasher, canonical_text
from xinfang_desk.ledger.vocab import Status

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
    single = RowHasher(width)
    for row in rows:
        single.add(row)
    batched = RowHasher(width)
    bounds = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)})
    for start, end in zip(bounds, bounds[1:], strict=False):
        batched.add_rows(rows[start:end])
    assert single.rows == batched.rows == len(rows)
    assert single.hexdigest() == batched.hexdigest() == expected
    assert [canonical_text(v) for row in rows for v in row] == [
        _documented_text(v) for row in rows for v in row
    ]


def test_many_rows_hash_in_chunks_as_one_text() -> None:
    day = date(2025, 1, 1)
    rows = [[f"JWC-2025-{i:04d}", day + timedelta(days=i % 300), float(i % 7), None] for i in range(5000)]
    hasher = RowHasher(4)
    hasher.add_rows(rows[:2500])
    for row in rows[2500:]:
        hasher.add(row)
    assert hasher.hexdigest() == _documented_checksum(rows, 4)


def test_equal_values_of_different_kinds_keep_their_own_text() -> None:
    rows = [[value, value] for value in (True, 1, 1.0, 0, False, -0.0, 0.0, 2.5, None, "")]
    hasher = RowHasher(2)
    hasher.add_rows(rows)
    assert hasher.hexdigest() == _documented_checksum(rows, 2)
