"""Helpers shared by the commands: the ``--db`` option, opening the ledger, parsing dates."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.paths import default_ledger_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None, help="台账文件（默认：用户数据目录中的 ledger.sqlite）"
    )


def ledger_location(args: argparse.Namespace) -> Path:
    return args.db if args.db is not None else default_ledger_path()


def open_ledger(args: argparse.Namespace) -> Ledger:
    return Ledger.open(ledger_location(args))


def parse_date(text: str) -> date:
    """A date typed as YYYY-MM-DD (as an argparse ``type``: its error becomes argparse's one line)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}”不是有效日期，请用 YYYY-MM-DD 格式，如 2025-03-01"
        ) from None
