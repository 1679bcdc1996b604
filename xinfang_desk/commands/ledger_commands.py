"""Commands on the ledger itself: ``init``, ``demo``, ``stats`` and ``cases``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import (
    ENV_PASSWORD,
    ENV_USER,
    add_db_option,
    add_password_stdin_option,
    add_period_options,
    bounded_int,
    in_operation,
    ledger_location,
    new_password,
    parse_date,
    period_of,
    search_text,
)
from xinfang_desk.ledger.deadlines import due_text
from xinfang_desk.ledger.demo import build_demo, new_demo_ledger, remove_demo_file
from xinfang_desk.ledger.demo_ledger import DEMO_UNIT
from xinfang_desk.ledger.errors import LedgerFileError, ValidationError
from xinfang_desk.ledger.figures import short_label
from xinfang_desk.ledger.limits import MAX_DEMO_CASES, MAX_LIST_LIMIT, MAX_YEAR, MIN_YEAR
from xinfang_desk.ledger.operations import calendar as calendar_ops
from xinfang_desk.ledger.operations import figures as figure_ops
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.operations.queries import list_cases
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.users import create_first_administrator
from xinfang_desk.ledger.vocab import Status
from xinfang_desk.paths import default_demo_ledger_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=command_help("init"))
    add_db_option(p)
    p.add_argument("--unit-code", required=True, help="单位代码，如 JWC")
    p.add_argument("--unit-name", required=True, help="单位名称，如 教务处")
    p.add_argument("--office", action="store_true", help="信访与督办室（汇总模式）")
    p.add_argument("--admin", default=None, metavar="用户名", help="同时创建管理员（此后所有命令都需登录）")
    add_password_stdin_option(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=command_help("demo"))
    p.add_argument(
        "--db", type=Path, default=None, help="演示台账文件（默认：用户数据目录中的 demo-ledger.sqlite）"
    )
    p.add_argument(
        "--cases", type=bounded_int(0, MAX_DEMO_CASES, "案件数"), default=2000, help="案件数（默认 2000）"
    )
    p.add_argument(
        "--seed",
        type=bounded_int(0, 2**63 - 1, "随机种子"),
        default=2025,
        help="随机种子：相同种子得到相同台账",
    )
    p.add_argument("--today", type=parse_date, default=None, help="以此日期为“今天”（默认今天）")
    p.add_argument(
        "--replace", action="store_true", help="已有演示台账时删除后重建（只替换演示台账，且须无人使用）"
    )
    p.add_argument("--unit-code", default=None, help=f"单位代码（默认 {DEMO_UNIT[0]}）")
    p.add_argument("--unit-name", default=None, help=f"单位名称（默认 {DEMO_UNIT[1]}）")
    p.add_argument(
        "--office-units",
        default=None,
        help="生成汇总模式演示台账：各单位分别生成演示案件（每单位 --cases 件）、导出后合并，"
        "如 JWC:教务处,HQ:后勤集团（此时 --unit-code/--unit-name 为信访与督办室，默认 XFB 信访与督办室）",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("stats", help=command_help("stats"))
    add_db_option(p)
    add_period_options(p)
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("cases", help=command_help("cases"))
    add_db_option(p)
    p.add_argument("--status", help="办理状态，如 待受理、办理中、已办结")
    p.add_argument("--overdue", action="store_true", help="只列已超期案件")
    p.add_argument("--due-soon", action="store_true", help="只列临期案件")
    p.add_argument("--search", type=search_text, default="", help="全文检索（摘要、内容、信访人姓名）")
    p.add_argument("--year", type=bounded_int(MIN_YEAR, MAX_YEAR, "年度"), help="登记年度")
    p.add_argument(
        "--limit", type=bounded_int(1, MAX_LIST_LIMIT, "--limit"), default=50, help="最多列出几件（默认 50）"
    )
    p.set_defaults(func=cmd_cases)


def cmd_init(args: argparse.Namespace) -> int:
    location = ledger_location(args)
    if isinstance(location, Path) and location.exists() and location.stat().st_size > 0:
        raise LedgerFileError(f"文件已存在：{location}。")
    password = new_password(args) if args.admin is not None else None
    ledger = create_ledger(location, args.unit_code, args.unit_name, office=args.office)
    try:
        if password is not None:
            create_first_administrator(ledger, args.admin, password)
    finally:
        ledger.close()
    print(f"已创建台账：{location}（{args.unit_name}）")
    if password is not None:
        print(f"管理员：{args.admin.strip()}。此后每条命令都需登录（环境变量 {ENV_USER} / {ENV_PASSWORD}）。")
    else:
        print("注意：尚未设置管理员，任何能打开此文件的人都可以操作台账。可用 users add 命令添加管理员。")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    location = args.db if args.db is not None else default_demo_ledger_path()
    if not isinstance(location, Path):
        raise ValidationError("演示台账只能建在本机文件中。")
    if location.exists() and location.stat().st_size > 0:
        if not args.replace:
            raise LedgerFileError(f"文件已存在：{location}。如需重建演示台账请加 --replace。")
        remove_demo_file(location)
    interactive = sys.stderr.isatty()
    if args.office_units is not None:
        return _office_demo(args, location, interactive)
    ledger = new_demo_ledger(location, args.unit_code or DEMO_UNIT[0], args.unit_name or DEMO_UNIT[1])

    def report(done: int, total: int) -> None:
        if interactive:
            sys.stderr.write(f"\r正在生成演示案件：{done}/{total}")

    now = datetime.now() if args.today is None else None  # a given day: the same ledger every time
    made = build_demo(ledger, cases=args.cases, seed=args.seed, today=args.today, now=now, progress=report)
    ledger.close()
    if interactive:
        sys.stderr.write("\n")
    print(f"已创建演示台账：{location}（{made} 件案件）")
    return 0


def _office_demo(args: argparse.Namespace, location: Path, interactive: bool) -> int:
    from xinfang_desk.export.exchange.office_demo import OFFICE_DEMO_UNIT, build_office_demo, parse_units

    units = parse_units(args.office_units)
    code, name = args.unit_code or OFFICE_DEMO_UNIT[0], args.unit_name or OFFICE_DEMO_UNIT[1]
    office = new_demo_ledger(location, code, name, office=True)

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

    def read(ctx: OpContext) -> tuple[dict, tuple[int, ...]]:
        figures = figure_ops.period_figures(ctx, start, end).as_json()
        return figures, calendar_ops.estimated_years(ctx, (start.year, end.year))

    figures, estimated = in_operation(args, read, reads_only=True)
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
    for year in estimated:
        lines.append(f"注意：{year}年的节假日安排尚未公布或录入，期限按法定节假日估算（不含调休）。")
    print("\n".join(lines))
    return 0


def _status(text: str) -> Status:
    try:
        return Status.from_label(text)
    except ValueError:
        names = "、".join(Status.labels())
        raise ValidationError(f"没有“{text}”这种办理状态。可选：{names}。") from None


def cmd_cases(args: argparse.Namespace) -> int:
    statuses = [_status(args.status)] if args.status else []
    wanted = CaseFilter(
        text=args.search, statuses=statuses, year=args.year, overdue=args.overdue, due_soon=args.due_soon
    )
    listed = in_operation(args, lambda ctx: list_cases(ctx, wanted, limit=args.limit), reads_only=True)
    total, rows = listed.total, listed.rows
    print("案件编号\t登记日期\t形式\t信访人\t问题类别\t状态\t期限\t摘要")
    for r in rows:
        flag = "（超期）" if r.overdue else "（临期）" if r.due_soon else ""
        due = f"{due_text(r.due_on, r.due_estimated)}{flag}" if r.due_on else "—"
        print(
            f"{r.case_no}\t{r.received_at:%Y-%m-%d}\t{r.channel}\t{r.petitioner}\t{r.category}\t{r.status}\t{due}\t{r.summary}"
        )
    shown = f"，显示前 {len(rows)} 件" if total > len(rows) else ""
    print(f"共 {total} 件{shown}")
    return 0
