"""How an old Excel 台账's columns become the ledger's: the user's mapping, the plan for a sheet, the rows.

``ImportMapping`` is what the user says (``--map 源列=台账列``, ``--set 台账列=值``, ``--map-value
列:源值=值``, or the import dialog's mapping step); ``plan_sheet`` finds the header row under any
title rows, maps each of the file's columns (the user's mapping first, then ``vocabulary``'s
synonyms, then the ledger's own header) and lists the columns left unused and the fields still
missing.  ``translated_rows`` gives each row below the header in the ledger's headers, its values in
the ledger's words, and says which rows are notes or signatures under the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xinfang_desk.export.exchange.columns import (
    COLUMNS_BY_HEADER,
    HEADER_SEARCH_ROWS,
    IMPORT_REQUIRED,
    find_header_row,
    header_text,
)
from xinfang_desk.export.exchange.identity import LEDGER_SHEET, STATISTICS_SHEET, ExchangeFileError
from xinfang_desk.export.exchange.print_sheet import PRINT_SHEET
from xinfang_desk.export.exchange.vocabulary import (
    IMPORT_ONLY_BY_HEADER,
    ROW_NUMBER_HEADERS,
    VALUE_WORDS,
    ledger_header,
)
from xinfang_desk.export.exchange.workbook_file import SheetRows, Workbook, open_workbook
from xinfang_desk.ledger.errors import ValidationError

#: Every ledger field a column may be mapped to.
MAPPABLE: dict[str, str] = {h: c.key for h, c in (COLUMNS_BY_HEADER | IMPORT_ONLY_BY_HEADER).items()}
#: The machine columns of an export are not mapped by hand.
_NOT_BY_HAND = frozenset(("单位代码", "案件ID", "修订号", "最后修改时间"))
#: The fields a user may map a column to or give one value, in the ledger's order.
USER_FIELDS: tuple[str, ...] = tuple(h for h in MAPPABLE if h not in _NOT_BY_HAND)
#: Filled cells a row under the table may have and still be a note or signature line.
_NOTE_CELLS = 2
#: Sheets of an export that are not the 台账 itself.
_NOT_LEDGER_SHEETS = frozenset((STATISTICS_SHEET, PRINT_SHEET))
#: Rows of the file shown in the mapping step's preview.
PREVIEW_ROWS = 5


@dataclass
class ImportMapping:
    """What the user said about an old 台账's columns and values (see the module docstring)."""

    #: the file's header → the ledger's header
    columns: dict[str, str] = field(default_factory=dict)
    #: the ledger's header → one value for every row
    fixed: dict[str, str] = field(default_factory=dict)
    #: the ledger's header → {value in the file → value for the ledger}
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the file's headers not to import, though a synonym would map them
    ignored: set[str] = field(default_factory=set)
    #: give every row a new case number (the old one goes to 备注)
    new_numbers: bool = False

    def to_json(self) -> dict[str, Any]:
        """What is remembered for the next file (the import dialog keeps it in QSettings)."""
        return {
            "columns": self.columns,
            "fixed": self.fixed,
            "values": self.values,
            "ignored": sorted(self.ignored),
        }

    @classmethod
    def from_json(cls, data: Any) -> ImportMapping:
        """A remembered mapping; anything unreadable or no longer a ledger field is left out."""
        mapping = cls()
        if not isinstance(data, dict):
            return mapping
        for source, target in dict(data.get("columns") or {}).items():
            if target in MAPPABLE and target not in _NOT_BY_HAND:
                mapping.columns[str(source)] = target
        for target, value in dict(data.get("fixed") or {}).items():
            if target in MAPPABLE and target not in _NOT_BY_HAND:
                mapping.fixed[target] = str(value)
        for target, words in dict(data.get("values") or {}).items():
            if target in MAPPABLE and isinstance(words, dict):
                mapping.values[target] = {str(k): str(v) for k, v in words.items()}
        mapping.ignored = {str(h) for h in data.get("ignored") or []}
        return mapping

    def add_column(self, spec: str) -> None:
        """``源列=台账列``."""
        source, target = _split(spec, "=", "--map 源列=台账列")
        self.columns[header_text(source)] = _field(target)

    def add_fixed(self, spec: str) -> None:
        """``台账列=值``."""
        target, value = _split(spec, "=", "--set 台账列=值")
        self.fixed[_field(target)] = value

    def add_value(self, spec: str) -> None:
        """``列:源值=值`` (列 is the ledger's header or the file's)."""
        column, rest = _split(spec, ":", "--map-value 列:源值=值")
        source, value = _split(rest, "=", "--map-value 列:源值=值")
        column = header_text(column)
        target = self.columns.get(column) or ledger_header(column) or column
        self.values.setdefault(_field(target), {})[source] = value


def _split(spec: str, separator: str, form: str) -> tuple[str, str]:
    spec = spec.replace("：", ":") if separator == ":" else spec
    left, found, right = spec.partition(separator)
    if not found or not left.strip() or (separator == ":" and not right.strip()):
        raise ValidationError(f"“{spec}”的写法不对，应为 {form}。")
    return left.strip(), right.strip()


def _field(name: str) -> str:
    text = header_text(name)
    target = ledger_header(text) or text
    if target not in MAPPABLE or target in _NOT_BY_HAND:
        choices = "、".join(h for h in MAPPABLE if h not in _NOT_BY_HAND)
        raise ValidationError(f"台账中没有“{name}”这一列。可用的台账列：{choices}。")
    return target


@dataclass
class SheetPlan:
    """How one sheet will be read: where its header is, which column feeds which field, what is unused."""

    sheet_name: str
    #: Excel row number of the header row; 0 when none was found
    header_row: int = 0
    #: the file's columns, in order: (position, header as written)
    sources: list[tuple[int, str]] = field(default_factory=list)
    #: ledger header → position in the row
    mapped: dict[str, int] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: (Excel row number, text) of the title rows above the header
    titles: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The mapping in words, one line per field."""
        by_position = dict(self.sources)
        lines = [f"    {by_position[p]} → {h}" for h, p in self.mapped.items()]
        lines.extend(f"    （所有行）{h} = {v}" for h, v in self.fixed.items())
        return lines

    def headers(self) -> list[str]:
        """The ledger headers of ``translated_rows``, in order."""
        return [*self.mapped, *self.fixed]


def _sheet_order(workbook: Workbook) -> list[str]:
    names = [n for n in workbook.sheet_names if not n.startswith("_") and n not in _NOT_LEDGER_SHEETS]
    return sorted(names, key=lambda n: n != LEDGER_SHEET)


def plan_sheet(workbook: Workbook, mapping: ImportMapping) -> tuple[SheetRows, SheetPlan]:
    """The sheet holding the 台账 (信访台账 first, else the one naming most fields) and its plan."""
    best: tuple[int, SheetRows, list[list[Any]], int] | None = None
    first_error: ExchangeFileError | None = None
    for name in _sheet_order(workbook):
        try:
            sheet = workbook.sheet(name)
        except ExchangeFileError as exc:
            first_error = first_error or exc
            continue
        head = sheet.head(HEADER_SEARCH_ROWS)
        index, hits = find_header_row(head, IMPORT_REQUIRED, lambda h: _known(h, mapping))
        if index >= 0 and (best is None or hits > best[0]):
            best = (hits, sheet, head, index)
    if best is None:
        if first_error is not None:
            raise first_error
        raise ExchangeFileError(
            f"“{workbook.name}”中找不到台账表头（表头应包含{'、'.join(IMPORT_REQUIRED)}等列，或用“列对应”指明）。"
        )
    _hits, sheet, head, index = best
    return sheet, _plan(sheet, head, index, mapping)


def _known(header: str, mapping: ImportMapping) -> str | None:
    if header in mapping.ignored:
        return None
    return mapping.columns.get(header) or ledger_header(header)


def _plan(sheet: SheetRows, head: list[list[Any]], index: int, mapping: ImportMapping) -> SheetPlan:
    plan = SheetPlan(sheet.sheet_name, header_row=sheet.first_row_number + index)
    for offset, row in enumerate(head[:index]):
        text = " ".join(str(c).strip() for c in row if c not in ("", None))
        if text:
            plan.titles.append((sheet.first_row_number + offset, text))
    for position, cell in enumerate(head[index]):
        written = header_text(cell)
        if not written:
            continue
        plan.sources.append((position, written))
        target = _known(written, mapping)
        if target is None or target in mapping.fixed:
            plan.unused.append("序号（行号，不是案件编号）" if written in ROW_NUMBER_HEADERS else written)
        elif target in plan.mapped:
            first = dict(plan.sources)[plan.mapped[target]]
            plan.unused.append(f"{written}（与“{first}”同为{target}，以“{first}”为准）")
        else:
            plan.mapped[target] = position
    plan.fixed = dict(mapping.fixed)
    plan.missing = [h for h in IMPORT_REQUIRED if h not in plan.mapped and h not in plan.fixed]
    return plan


def require_complete(plan: SheetPlan, file_name: str) -> None:
    """Refuse a plan that lacks a field every case needs, saying how to supply it."""
    if not plan.missing:
        return
    columns = "、".join(f"“{h}”" for _p, h in plan.sources) or "（无）"
    raise ExchangeFileError(
        f"“{file_name}”的“{plan.sheet_name}”工作表缺少必需的列：{'、'.join(plan.missing)}。"
        f"表中的列为：{columns}。请指明哪一列对应（命令行：--map 源列=台账列），"
        "或为所有行填写同一值（--set 台账列=值）。"
    )


@dataclass(frozen=True)
class SkippedRow:
    """A row that is not a case: a title above the table, a note or signature below it."""

    row_number: int
    text: str
    why: str

    def describe(self) -> str:
        shown = self.text if len(self.text) <= 30 else self.text[:30] + "…"
        return f"第 {self.row_number} 行（“{shown}”）{self.why}，已跳过"


def translated_rows(
    sheet: SheetRows, plan: SheetPlan, mapping: ImportMapping, skipped: list[SkippedRow]
) -> Iterator[tuple[int, list[Any]]]:
    """(Excel row number, cells in ``plan.headers()`` order, in the ledger's words) of each case row.

    Empty rows are passed over; a row with no 登记日期 and at most two filled cells is a note or
    signature line and goes to ``skipped``.
    """
    words = {h: VALUE_WORDS.get(MAPPABLE[h], {}) | mapping.values.get(h, {}) for h in plan.headers()}
    mapped = list(plan.mapped.items())
    fixed = [_word(words[h], v) for h, v in plan.fixed.items()]
    date_at = plan.mapped.get("登记日期")
    rows = sheet.numbered(plan.header_row - sheet.first_row_number + 1)
    for number, cells in rows:
        filled = [c for c in cells if c not in ("", None)]
        if not filled:
            continue
        has_date = date_at is not None and date_at < len(cells) and cells[date_at] not in ("", None)
        if not has_date and len(filled) <= _NOTE_CELLS:
            text = " ".join(str(c).strip() for c in filled)
            skipped.append(SkippedRow(number, text, "是表下的注释或签名，不是案件"))
            continue
        width = len(cells)
        values = [_word(words[h], cells[p]) if p < width else "" for h, p in mapped]
        yield number, values + fixed


def _word(words: dict[str, str], value: Any) -> Any:
    if not words or type(value) is not str:
        return value
    text = value.strip()
    return words.get(text, words.get(re.sub(r"\s+", "", text), value))


@dataclass
class Preview:
    """The mapping step's view of a file: its columns, its first rows and the plan."""

    plan: SheetPlan
    rows: list[list[Any]]


def preview(path: str | Path, mapping: ImportMapping) -> Preview:
    """The plan of the file at ``path`` under ``mapping`` and its first ``PREVIEW_ROWS`` rows below the header."""
    with open_workbook(path) as workbook:
        return _preview(workbook, mapping)


def _preview(workbook: Workbook, mapping: ImportMapping) -> Preview:
    sheet, plan = plan_sheet(workbook, mapping)
    rows: list[list[Any]] = []
    for _number, cells in sheet.numbered(plan.header_row - sheet.first_row_number + 1):
        if len(rows) == PREVIEW_ROWS:
            break
        if any(c not in ("", None) for c in cells):
            rows.append(cells)
    return Preview(plan, rows)
