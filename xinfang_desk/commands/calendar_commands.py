"""Commands on holidays and deadlines: ``calendar import|set|show`` and ``deadline``."""

from __future__ import annotations

import argparse
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import add_db_option, in_operation, ledger_location, parse_date
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.calendar_entries import CalendarChange
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.operations import calendar as calendar_ops
from xinfang_desk.ledger.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calendar", help=command_help("calendar"))
    verbs = p.add_subparsers(dest="verb", metavar="操作", parser_class=type(p))
    verbs.required = True

    v = verbs.add_parser("import", help="导入某年的节假日安排（每行一日或一段：2027-02-05~2027-02-11 休）")
    add_db_option(v)
    v.add_argument("file", help="文本文件（UTF-8），每行“日期 休”或“日期 班”，# 后为注释；也可是通知原文")
    v.set_defaults(func=cmd_import)

    v = verbs.add_parser("set", help="录入一天为休息日（休）或工作日（班）")
    add_db_option(v)
    v.add_argument("day", type=parse_date, help="日期 YYYY-MM-DD")
    v.add_argument("mark", help="休 或 班")
    v.add_argument("--note", default="", help="说明，如 春节、调休上班")
    v.set_defaults(func=cmd_set)

    v = verbs.add_parser("show", help="列出某年的节假日、调休和本单位录入，注明来源")
    add_db_option(v)
    v.add_argument("--year", type=int, required=True, help="年份")
    v.add_argument("--all", action="store_true", help="列出全年每一天（默认只列节假日、调休和本单位录入）")
    v.set_defaults(func=cmd_show)

    p = sub.add_parser("deadline", help=command_help("deadline"))
    add_db_option(p)
    p.add_argument("start", type=parse_date, help="起算日 YYYY-MM-DD（期间自次日起算）")
    p.add_argument("--rule", required=True, help="规则：" + "、".join(calendar_ops.RULE_NAMES))
    p.set_defaults(func=cmd_deadline)


def _report(change: CalendarChange) -> None:
    years = "、".join(str(year) for year in change.years)
    print(f"已录入 {change.days} 天（{years}年）。")
    for done in change.recomputed:
        for item in done.changes:
            mark = "（估算）" if item["estimated"] else ""
            print(f"  {done.case_no} {item['label']} {item['old']:%Y-%m-%d} → {item['new']:%Y-%m-%d}{mark}")
    print(f"重算期限的在办案件：{len(change.recomputed)} 件。")


def cmd_import(args: argparse.Namespace) -> int:
    try:
        text = open(args.file, encoding="utf-8-sig").read()  # noqa: SIM115 - read at once
    except FileNotFoundError:
        raise ValidationError(f"找不到文件：{args.file}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"“{args.file}”不是 UTF-8 文本文件。") from None
    except OSError as exc:
        raise ValidationError(f"无法读取“{args.file}”：{exc.strerror}") from None
    _report(in_operation(args, lambda ctx: calendar_ops.enter_notice(ctx, text).value))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    mark, note = args.mark.strip(), args.note
    _report(in_operation(args, lambda ctx: calendar_ops.set_calendar_day(ctx, args.day, mark, note).value))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    status, days = in_operation(
        args, lambda ctx: calendar_ops.calendar_days(ctx, args.year, every_day=args.all)
    )
    lines = [status]
    for info in days:
        kind = "班" if info.is_workday else "休"
        lines.append(f"{info.describe()}\t{kind}\t{info.source.value}")
    print("\n".join(lines))
    return 0


def cmd_deadline(args: argparse.Namespace) -> int:
    location = ledger_location(args)
    if isinstance(location, Path) and not location.exists():
        reckoning = calendar_ops.reckon_by_rule(WorkCalendar(), Settings(), args.start, args.rule)
        note = ["（未找到台账：按默认期限规则和官方库计算，不含本单位录入。）"]
    else:
        reckoning = in_operation(args, lambda ctx: calendar_ops.reckon_deadline(ctx, args.start, args.rule))
        note = []
    mark = " 估算" if reckoning.estimated else ""
    print("\n".join([f"{reckoning.due:%Y-%m-%d}{mark}", *reckoning.reasons(), *note]))
    return 0
