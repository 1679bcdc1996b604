"""Commands that show what was done: ``verify`` (is the history intact?) and ``audit`` (who did what)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import add_db_option, in_operation, parse_date
from xinfang_desk.ledger.operations.trail import TrailFilter, export_trail, trail_rows, verify

EXIT_TAMPERED = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help=command_help("verify"))
    add_db_option(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("audit", help=command_help("audit"))
    add_db_option(p)
    p.add_argument("--user", default="", help="按操作人筛选")
    p.add_argument("--case", default="", help="按案件编号筛选")
    p.add_argument("--action", default="", help="按操作代码筛选（如 export_full、case_event、accept）")
    p.add_argument("--from", dest="start", type=parse_date, help="起始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=parse_date, help="截止日期 YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=200, help="最多列出几条（默认 200）")
    p.add_argument("-o", "--output", type=Path, default=None, help="导出为 .xlsx（导出本身记入审计日志）")
    p.set_defaults(func=cmd_audit)


def cmd_verify(args: argparse.Namespace) -> int:
    result = in_operation(args, verify)
    if result.intact:
        print("台账历史记录完整：哈希链、各案件办理步骤与状态均未发现异常。")
        return 0
    sys.stdout.write("发现台账历史记录异常：\n")
    for line in result.lines():
        sys.stdout.write(f"  {line}\n")
    return EXIT_TAMPERED


def _filter(args: argparse.Namespace) -> TrailFilter:
    from datetime import datetime, time

    return TrailFilter(
        person=args.user,
        case_no=args.case,
        action=args.action,
        start=datetime.combine(args.start, time.min) if args.start else None,
        end=datetime.combine(args.end, time.max) if args.end else None,
    )


def cmd_audit(args: argparse.Namespace) -> int:
    trail_filter = _filter(args)
    if args.output is not None:
        count = in_operation(args, lambda ctx: export_trail(ctx, trail_filter, args.output))
        print(f"已导出审计日志 {count} 条：{args.output}")
        return 0
    rows = in_operation(args, lambda ctx: trail_rows(ctx, trail_filter, max(args.limit, 1)))
    print("时间\t操作人\t操作\t案件编号\t详情")
    for row in rows:
        print(f"{row.at:%Y-%m-%d %H:%M:%S}\t{row.actor}\t{row.action}\t{row.case_no}\t{row.detail}")
    print(f"共 {len(rows)} 条")
    return 0
