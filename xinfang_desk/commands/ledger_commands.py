"""Commands on the ledger itself: ``init``, ``demo``, ``stats`` and ``cases``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from xinfang_desk.commands.common import (
    add_db_option,
    add_period_options,
    ledger_location,
    open_ledger,
    parse_date,
    period_of,
)
from xinfang_desk.export.exchange.office_demo import OFFICE_DEMO_UNIT, build_office_demo, parse_units
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.demo import DEMO_UNIT, build_demo
from xinfang_desk.ledger.errors import LedgerFileError, ValidationError
from xinfang_desk.ledger.figures import compute_figures, short_label
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids, case_rows, count_cases
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import Status
from xinfang_desk.paths import default_demo_ledger_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="创建新的台账")
    add_db_option(p)
    p.add_argument("--unit-code", required=True, help="单位代码，如 JWC")
    p.add_argument("--unit-name", required=True, help="单位名称，如 教务处")
    p.add_argument("--office", action="store_true", help="信访与督办室（汇总模式）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="创建演示台账（含示例案件）")
    p.add_argument(
        "--db", type=Path, default=None, help="演示台账文件（默认：用户数据目录中的 demo-ledger.sqlite）"
    )
    p.add_argument("--cases", type=int, default=2000, help="案件数（默认 2000）")
    p.add_argument("--seed", type=int, default=2025, help="随机种子：相同种子得到相同台账")
    p.add_argument("--today", type=parse_date, default=None, help="以此日期为“今天”（默认今天）")
    p.add_argument("--replace", action="store_true", help="文件已存在时先删除再重建")
    p.add_argument("--unit-code", default=None, help=f"单位代码（默认 {DEMO_UNIT[0]}）")
    p.add_argument("--unit-name", default=None, help=f"单位名称（默认 {DEMO_UNIT[1]}）")
    p.add_argument(
        "--office-units",
        default=None,
        help="生成汇总模式演示台账：各单位分别生成演示案件（每单位 --cases 件）、导出后合并，"
        "如 JWC:教务处,HQ:后勤集团（此时 --unit-code/--unit-name 为信访与督办室，默认 XFB 信访与督办室）",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("stats", help="统计数据（受理量、办结率、满意度等）")
    add_db_option(p)
    add_period_options(p)
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("cases", help="列出符合条件的案件")
    add_db_option(p)
    p.add_argument("--status", help="办理状态，如 待受理、办理中、已办结")
    p.add_argument("--overdue", action="store_true", help="只列已超期案件")
    p.add_argument("--due-soon", action="store_true", help="只列临期案件")
    p.add_argument("--search", default="", help="全文检索（摘要、内容、信访人姓名）")
    p.add_argument("--year", type=int, help="登记年度")
    p.add_argument("--limit", type=int, default=50, help="最多列出几件（默认 50）")
    p.set_defaults(func=cmd_cases)


def cmd_init(args: argparse.Namespace) -> int:
    location = ledger_location(args)
    if location.exists() and location.stat().st_size > 0:
        raise LedgerFileError(f"文件已存在：{location}。")
    ledger = create_ledger(location, args.unit_code, args.unit_name, office=args.office)
    ledger.close()
    print(f"已创建台账：{location}（{args.unit_name}）")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.cases < 0:
        raise ValidationError("案件数不能为负数。")
    location = args.db if args.db is not None else default_demo_ledger_path()
    if location.exists() and location.stat().st_size > 0:
        if not args.replace:
            raise LedgerFileError(f"文件已存在：{location}。如需重建演示台账请加 --replace。")
        for suffix in ("", "-wal", "-shm"):
            location.with_name(location.name + suffix).unlink(missing_ok=True)
    interactive = sys.stderr.isatty()
    if args.office_units is not None:
        return _office_demo(args, location, interactive)
    ledger = create_ledger(location, args.unit_code or DEMO_UNIT[0], args.unit_name or DEMO_UNIT[1])

    def report(done: int, total: int) -> None:
        if interactive:
            sys.stderr.write(f"\r正在生成演示案件：{done}/{total}")

    made = build_demo(ledger, cases=args.cases, seed=args.seed, today=args.today, progress=report)
    ledger.close()
    if interactive:
        sys.stderr.write("\n")
    print(f"已创建演示台账：{location}（{made} 件案件）")
    return 0


def _office_demo(args: argparse.Namespace, location: Path, interactive: bool) -> int:
    units = parse_units(args.office_units)
    code, name = args.unit_code or OFFICE_DEMO_UNIT[0], args.unit_name or OFFICE_DEMO_UNIT[1]
    office = create_ledger(location, code, name, office=True)

    def report(text: str) -> None:
        if interactive:
            sys.stderr.write(text + "\n")

    merged = build_office_demo(
        office, units, cases=args.cases, seed=args.seed, today=args.today or date.today(), progress=report
    )
    office.close()
    print(f"已创建汇总模式演示台账：{location}（{name}，合并 {len(units)} 个单位）")
    print(merged.headline())
    return 0


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def cmd_stats(args: argparse.Namespace) -> int:
    start, end = period_of(args)
    ledger = open_ledger(args)
    with ledger.session() as s:
        figures = compute_figures(s, start, end).as_json()
        calendar = WorkCalendar.load(s)
    ledger.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    label = short_label
    lines = [
        f"{label('period')}：{figures['period']['from']} 至 {figures['period']['to']}（按收件日期）",
        f"{label('received')}：{figures['received']}",
        f"{label('accepted')}：{figures['accepted']}（上年同期 {figures['accepted_last_year']}，"
        f"同比 {_fmt_pct(figures['accepted_yoy_pct'])}）",
        f"{label('closed')}：{figures['closed']}，{label('on_time_closure_pct')} "
        f"{_fmt_pct(figures['on_time_closure_pct'])}",
        f"{label('first_time_one_time_closure_pct')}：{_fmt_pct(figures['first_time_one_time_closure_pct'])}"
        f"（{label('first_time_closed')} {figures['first_time_closed']} 件）",
        f"{label('repeat')}：{figures['repeat']}（上年同期 {figures['repeat_last_year']}，"
        f"同比 {_fmt_pct(figures['repeat_yoy_pct'])}）",
        f"{label('bypassed_level')}：{figures['bypassed_level']}　{label('collective')}：{figures['collective']}",
        f"{label('satisfaction_pct')}：{_fmt_pct(figures['satisfaction_pct'])}"
        f"（{label('evaluated')} {figures['evaluated']} 件）",
        f"{label('forwarded')}：{figures['forwarded']}　{label('assigned')}：{figures['assigned']}　"
        f"{label('supervised')}：{figures['supervised']}",
        f"{label('category_share_pct')}："
        + "，".join(f"{k} {_fmt_pct(v)}" for k, v in figures["category_share_pct"].items()),
        f"{label('outcomes')}：" + "，".join(f"{k} {v}" for k, v in figures["outcomes"].items()),
        f"{label('by_channel')}：" + "，".join(f"{k} {v}" for k, v in figures["by_channel"].items()),
        f"{label('by_department')}（前5）："
        + "，".join(f"{k} {v}" for k, v in list(figures["by_department"].items())[:5]),
    ]
    for year in sorted({start.year, end.year}):
        if not calendar.covers(year):
            lines.append(f"注意：{year}年的法定节假日安排尚未收录，工作日按周一至周五计算。")
    print("\n".join(lines))
    return 0


def _status(text: str) -> Status:
    try:
        return Status.from_label(text)
    except ValueError:
        names = "、".join(Status.labels())
        raise ValidationError(f"没有“{text}”这种办理状态。可选：{names}。") from None


def cmd_cases(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValidationError("--limit 至少为 1。")
    statuses = [_status(args.status)] if args.status else []
    ledger = open_ledger(args)
    with ledger.session() as s:
        due_soon_days = Settings.load(s).due_soon_days
        f = CaseFilter(
            text=args.search,
            statuses=statuses,
            year=args.year,
            overdue=args.overdue,
            due_soon=args.due_soon,
            due_soon_days=due_soon_days,
        )
        total = count_cases(s, f)
        rows = case_rows(s, case_ids(s, f, limit=args.limit), due_soon_days=due_soon_days)
    ledger.close()
    print("案件编号\t登记日期\t形式\t信访人\t问题类别\t状态\t期限\t摘要")
    for r in rows:
        flag = "（超期）" if r.overdue else "（临期）" if r.due_soon else ""
        due = f"{r.due_on:%Y-%m-%d}{flag}" if r.due_on else "—"
        print(
            f"{r.case_no}\t{r.received_at:%Y-%m-%d}\t{r.channel}\t{r.petitioner}\t{r.category}\t{r.status}\t{due}\t{r.summary}"
        )
    shown = f"，显示前 {len(rows)} 件" if total > len(rows) else ""
    print(f"共 {total} 件{shown}")
    return 0
