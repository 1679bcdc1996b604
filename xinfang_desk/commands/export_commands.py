"""Commands that take data out of the ledger: ``export-ledger`` (Excel 台账) and ``slip`` (PDF documents)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import (
    add_db_option,
    add_period_options,
    add_workbook_output_options,
    in_operation,
    period_of,
)
from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.documents.operations import prepare_documents
from xinfang_desk.export.documents.slips import pdf_target, write_documents
from xinfang_desk.export.exchange.operations import ExportRequest, export_workbook

_KIND_HELP = "文书种类：assign 交办单（默认）、supervise 督办单、accept-notice 受理告知书、decline-notice 不予受理告知书"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-ledger", help=command_help("export-ledger"))
    add_db_option(p)
    add_period_options(p)
    add_workbook_output_options(p)
    p.set_defaults(func=cmd_export_ledger)

    p = sub.add_parser("slip", help=command_help("slip"))
    add_db_option(p)
    p.add_argument("case_no", nargs="+", metavar="案件编号", help="一个或多个案件编号（多个则合成一个 PDF）")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件（.pdf）")
    p.add_argument(
        "--kind", choices=[k.value for k in DocumentKind], default=DocumentKind.ASSIGN.value, help=_KIND_HELP
    )
    p.set_defaults(func=cmd_slip)


def cmd_export_ledger(args: argparse.Namespace) -> int:
    start, end = period_of(args)
    request = ExportRequest(args.output, start, end, args.full)
    result = in_operation(args, lambda ctx: export_workbook(ctx, request), checked=True)
    masked = "个人信息未脱敏（已记入审计日志）" if args.full else "身份证号和电话已脱敏"
    print(
        f"已导出 {result.rows} 件案件到 {result.path}（{start}至{end}，其中超期 {result.overdue} 件；{masked}）"
    )
    return 0


def cmd_slip(args: argparse.Namespace) -> int:
    target = pdf_target(args.output)
    prepared = in_operation(
        args, lambda ctx: prepare_documents(ctx, args.case_no, args.kind, file_name=target.name), checked=True
    )
    result = write_documents(prepared, target)
    rendered = result.rendered
    kind = DocumentKind(args.kind).title
    print(f"已生成{kind} {rendered.documents} 份，共 {rendered.pages} 页：{result.path}")
    for warning in rendered.warnings:
        sys.stderr.write(f"警告：{warning}\n")
    for why in result.skipped:
        sys.stderr.write(f"未打印：{why}。\n")
    return 1 if result.skipped else 0
