"""Commands on holidays and deadlines: ``calendar import|set|show`` and ``deadline``."""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy.orm import Session

from xinfang_desk.commands.common import (
    add_actor_option,
    add_db_option,
    default_actor,
    in_ledger,
    ledger_location,
    parse_date,
)
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.calendar_entries import (
    CalendarChange,
    import_notice,
    set_day,
    year_days,
    year_status,
)
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.settings import DEADLINE_RULES, DeadlineRule, Settings

#: ``deadline --rule`` names: the settings' rules, ``extend`` being the longest extension
RULE_NAMES = {"extend": "extend_max"} | {
    key.removeprefix("rule."): key.removeprefix("rule.") for key in DEADLINE_RULES if key != "rule.extend_max"
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calendar", help="节假日安排：导入国务院通知、录入单日、查看某年")
    verbs = p.add_subparsers(dest="verb", metavar="操作", parser_class=type(p))
    verbs.required = True

    v = verbs.add_parser("import", help="导入某年的节假日安排（每行一日或一段：2027-02-05~2027-02-11 休）")
    add_db_option(v)
    add_actor_option(v)
    v.add_argument("file", help="文本文件（UTF-8），每行“日期 休”或“日期 班”，# 后为注释；也可是通知原文")
    v.set_defaults(func=cmd_import)

    v = verbs.add_parser("set", help="录入一天为休息日（休）或工作日（班）")
    add_db_option(v)
    add_actor_option(v)
    v.add_argument("day", type=parse_date, help="日期 YYYY-MM-DD")
    v.add_argument("mark", help="休 或 班")
    v.add_argument("--note", default="", help="说明，如 春节、调休上班")
    v.set_defaults(func=cmd_set)

    v = verbs.add_parser("show", help="列出某年的节假日、调休和本单位录入，注明来源")
    add_db_option(v)
    v.add_argument("--year", type=int, required=True, help="年份")
    v.add_argument("--all", action="store_true", help="列出全年每一天（默认只列节假日、调休和本单位录入）")
    v.set_defaults(func=cmd_show)

    p = sub.add_parser("deadline", help="计算期限：先印日期，再说明理由（顺延、估算）")
    add_db_option(p)
    p.add_argument("start", type=parse_date, help="起算日 YYYY-MM-DD（期间自次日起算）")
    p.add_argument("--rule", required=True, help="规则：" + "、".join(RULE_NAMES))
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
    actor = args.actor or default_actor()
    _report(in_ledger(args, lambda session: import_notice(session, actor, text)))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    actor = args.actor or default_actor()
    _report(in_ledger(args, lambda session: set_day(session, actor, args.day, args.mark.strip(), args.note)))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    if not 2000 <= args.year <= 2100:
        raise ValidationError(f"年份“{args.year}”超出 2000–2100。")

    def show(session: Session) -> list[str]:
        calendar = WorkCalendar.load(session)
        lines = [year_status(calendar, args.year)]
        for info in year_days(session, args.year, calendar, every_day=args.all):
            kind = "班" if info.is_workday else "休"
            lines.append(f"{info.describe()}\t{kind}\t{info.source.value}")
        return lines

    print("\n".join(in_ledger(args, show)))
    return 0


def _rule(session: Session | None, name: str) -> DeadlineRule:
    key = RULE_NAMES.get(name.strip())
    if key is None:
        raise ValidationError(f"没有“{name}”这条期限规则。可选：{'、'.join(RULE_NAMES)}。")
    return Settings.load(session).rule(key) if session is not None else Settings().rule(key)


def cmd_deadline(args: argparse.Namespace) -> int:
    start: date = args.start
    if not 2000 <= start.year <= 2100:
        raise ValidationError(f"日期“{start}”超出 2000–2100 年。")

    def reckon(session: Session | None) -> list[str]:
        rule = _rule(session, args.rule)
        calendar = WorkCalendar.load(session) if session is not None else WorkCalendar()
        reckoning = calendar.reckon(start, rule)
        mark = " 估算" if reckoning.estimated else ""
        return [f"{reckoning.due:%Y-%m-%d}{mark}", *reckoning.reasons()]

    if args.db is None and not ledger_location(args).exists():
        lines = reckon(None)
        lines.append("（未找到台账：按默认期限规则和官方库计算，不含本单位录入。）")
    else:
        lines = in_ledger(args, reckon)
    print("\n".join(lines))
    return 0
