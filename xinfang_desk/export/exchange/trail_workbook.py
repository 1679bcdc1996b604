"""The audit trail as an .xlsx file: one sheet, every text through the formula guard, written whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xinfang_desk.export.exchange.cells import clean_text, safe_value
from xinfang_desk.export.progress import file_written_whole
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.private_files import private_temp_folder

HEADERS = ("时间", "操作人", "操作", "案件编号", "详情")


def write_trail(path: Path, rows: Sequence[Any], *, before_publishing: Callable[[], Any]) -> int:
    """Write ``rows`` (``TrailRow``) to ``path``; ``before_publishing`` (the audit entry) runs before the
    file takes its name, so a trail that cannot be recorded is not written."""
    if path.suffix.lower() != ".xlsx":
        raise ValidationError(f"审计日志文件应以 .xlsx 结尾：{path.name}。")
    with private_temp_folder(), file_written_whole(path) as temporary:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("审计日志")
        sheet.append(list(HEADERS))
        for row in rows:
            values = (f"{row.at:%Y-%m-%d %H:%M:%S}", row.actor, row.action, row.case_no, row.detail)
            sheet.append([safe_value(sheet, clean_text(v)) for v in values])
        workbook.save(temporary)
        before_publishing()
    return len(rows)
