"""Commands that keep a ledger safe: ``backup`` (a consistent copy) and ``restore`` (put one back)."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import add_db_option, file_location, in_operation
from xinfang_desk.ledger.backups import backup_folder, restore_backup
from xinfang_desk.ledger.errors import LedgerFileError
from xinfang_desk.ledger.operations.safekeeping import allow_restore, back_up_ledger


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help=command_help("backup"))
    add_db_option(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="备份文件（默认：台账旁“备份”文件夹中按时间命名，轮换保留）",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=command_help("restore"))
    add_db_option(p)
    p.add_argument("file", type=Path, metavar="备份文件", help="要恢复的备份文件")
    p.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    saved = in_operation(args, lambda ctx: back_up_ledger(ctx, args.output))
    print(f"已备份台账到：{saved}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    location = file_location(args, "从备份恢复")
    if location.exists() and location.stat().st_size > 0:
        # who may replace it is asked of the ledger itself (signed in as for any command); a ledger too
        # damaged to say cannot refuse: recovering it must stay possible
        with contextlib.suppress(LedgerFileError):
            in_operation(args, lambda ctx: allow_restore(ctx, args.file))
    saved = restore_backup(args.file, location)
    if saved is not None:
        print(f"被替换的台账已先备份到：{saved}")
    print(f"已从“{args.file}”恢复台账：{location}（完整性检查通过）")
    print(f"（自动备份位于：{backup_folder(location)}）")
    return 0
