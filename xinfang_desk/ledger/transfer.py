"""Copying a whole ledger into another database (SQLite file ↔ PostgreSQL), checked afterwards.

Every table is copied row for row with its ids — history, audit log, attachments, merge provenance —
into a target that has the schema and nothing else.  The source is only read.  Afterwards the rows of
every table are counted on both sides and the figures of every year compared; any difference is
reported and the target is not to be used.

JSON values are copied as the text stored, byte for byte: a ledger written when JSON was stored with
``\\uXXXX`` escapes keeps them, so its hash chain (which covers the stored text) still verifies on the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import (
    JSON,
    Dialect,
    Insert,
    Select,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    cast,
    func,
    insert,
    select,
)

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerFileError
from xinfang_desk.ledger.figures import compute_figures
from xinfang_desk.ledger.models import Base, Case

#: Rows read and written per batch.
BATCH = 2000


class _StoredText(TypeDecorator):
    """A JSON column's stored text, written back as it is (neither parsed nor serialised again)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def _as_stored(table: Table) -> tuple[Select, Insert]:
    """Reading every row of ``table`` and writing it elsewhere, JSON columns as their stored text."""
    json_columns = [c.name for c in table.columns if isinstance(c.type, JSON)]
    read = select(
        *(cast(c, Text).label(c.name) if c.name in json_columns else c for c in table.columns)
    ).order_by(*table.primary_key.columns)
    write = insert(table)
    if json_columns:
        write = write.values({name: bindparam(name, type_=_StoredText()) for name in json_columns})
    return read, write


@dataclass
class TransferReport:
    """What was copied, table by table, and whether both sides agree."""

    rows: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def text(self) -> str:
        copied = "，".join(f"{table} {n}" for table, n in self.rows.items() if n)
        if self.ok:
            return f"已复制并核对一致：{copied}。"
        return "复制后核对不一致，目标台账不可使用：" + "；".join(self.differences)


def copy_ledger(
    source: Ledger, target_location: str | Path, *, progress: Callable[[str, int], None] | None = None
) -> TransferReport:
    """Copy ``source`` into the empty database at ``target_location`` and check the copy."""
    target = Ledger.open(target_location, create=True)
    try:
        with target.reading() as t:
            if t.scalar(select(func.count()).select_from(Case)) or t.scalar(
                select(func.count()).select_from(Base.metadata.tables["ledger_info"])
            ):
                raise LedgerFileError("目标数据库中已经有台账内容；只能复制到空的数据库。")
        report = TransferReport()
        tables = [t for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
        with source.reading() as src, target.engine.begin() as out:
            for table in tables:
                copied = 0
                read, write = _as_stored(table)
                for chunk in src.execute(read).yield_per(BATCH).partitions(BATCH):
                    out.execute(write, [dict(row._mapping) for row in chunk])
                    copied += len(chunk)
                    if progress is not None:
                        progress(table.name, copied)
                report.rows[table.name] = copied
            target.backend.after_copy(out, tables)
        report.differences = _differences(source, target, tables)
        return report
    finally:
        target.close()


def _differences(source: Ledger, target: Ledger, tables: list) -> list[str]:
    found = []
    with source.reading() as a, target.reading() as b:
        for table in tables:
            left = a.scalar(select(func.count()).select_from(table))
            right = b.scalar(select(func.count()).select_from(table))
            if left != right:
                found.append(f"{table.name} 行数 {left} ≠ {right}")
        years = sorted(y for y in a.scalars(select(Case.year).distinct()) if y is not None)
        for year in years:
            start, end = date(year, 1, 1), date(year, 12, 31)
            if compute_figures(a, start, end) != compute_figures(b, start, end):
                found.append(f"{year}年统计数据不一致")
    return found
