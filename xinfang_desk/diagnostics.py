"""What the About box and support need to know: version, folders, ledger, and the libraries in use.

Qt-free: the About box (``ui/about.py``) shows ``diagnostics()`` and copies ``diagnostics_text()``.
"""

from __future__ import annotations

import platform
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

import chinese_calendar

from xinfang_desk import __version__
from xinfang_desk.logs import log_folder
from xinfang_desk.paths import data_dir

#: The libraries whose versions are reported, by distribution name (build.spec ships their metadata).
LIBRARIES: tuple[str, ...] = (
    "PySide6-Essentials",
    "PySide6-Addons",
    "SQLAlchemy",
    "alembic",
    "openpyxl",
    "python-calamine",
    "reportlab",
    "pypdfium2",
    "chinesecalendar",
    "platformdirs",
    "fonttools",
    "lxml",
)


def calendar_years() -> tuple[int, int]:
    """The first and last year whose holidays and 调休 ``chinese_calendar`` knows."""
    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return min(days).year, max(days).year


def library_versions() -> list[tuple[str, str]]:
    """(distribution, version) of each library in ``LIBRARIES`` that is installed."""
    found: list[tuple[str, str]] = []
    for name in LIBRARIES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return found


def diagnostics(ledger_path: Path | None) -> list[tuple[str, str]]:
    """The facts shown in the About box, as (label, value) in Chinese."""
    first, last = calendar_years()
    this_year = date.today().year
    calendar_note = "" if first <= this_year <= last else f"（不含今年 {this_year} 年：按周末计算）"
    versions = library_versions()
    rows = [
        ("版本", __version__),
        ("台账文件", str(ledger_path) if ledger_path else "（数据库连接）"),
        ("数据目录", str(data_dir())),
        ("日志目录", str(log_folder())),
        (
            "程序位置",
            str(Path(sys.executable).parent) if getattr(sys, "frozen", False) else "源代码/已安装的包",
        ),
        ("Python", f"{platform.python_version()}（{platform.platform()}）"),
        ("节假日数据", f"chinesecalendar {first}—{last} 年{calendar_note}"),
    ]
    rows += [(f"组件 {name}", version) for name, version in versions]
    return rows


def diagnostics_text(ledger_path: Path | None) -> str:
    """The facts as plain text, one ``label：value`` per line (for the clipboard and support)."""
    return "\n".join(f"{label}：{value}" for label, value in diagnostics(ledger_path)) + "\n"
