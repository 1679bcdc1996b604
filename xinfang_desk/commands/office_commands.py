"""Commands of the office (信访与督办室) and of a unit moving from Excel: ``merge``, ``export-office``,
``import-ledger``.

Exit codes: 0 when everything went in; 1 when some file or row was refused (the rest of a merge
still went in; an import stops at a bad row unless ``--good-rows-only``: a row found bad while reading
stops it before anything is written, a row the workflow refuses stops it there, the cases before it
kept and skipped when the file is imported again); 2 for an error that stopped the command (one
Chinese line, from ``cli.main``).
"""

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
    ledger_location,
    period_of,
)
from xinfang_desk.export.exchange.import_mapping import ImportMapping
from xinfang_desk.export.exchange.merge import FileStatus
from xinfang_desk.export.exchange.operations import ExportRequest, export_workbook, import_file, merge_files

EXIT_SOME_REFUSED = 1
REPORT_FOLDER = "合并报告"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help=command_help("merge"))
    add_db_option(p)
    p.add_argument("files", nargs="+", type=Path, metavar="文件", help="各单位导出的 .xlsx 台账")
    p.add_argument(
        "--accept-edited", action="store_true", help="接受导出后被修改过的文件（校验值不符），并标记为已修改"
    )
    p.add_argument(
        "--report", type=Path, default=None, help="合并报告保存到的文件夹（默认：台账旁的“合并报告”）"
    )
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("export-office", help=command_help("export-office"))
    add_db_option(p)
    add_period_options(p)
    add_workbook_output_options(p)
    p.set_defaults(func=cmd_export_office)

    p = sub.add_parser("import-ledger", help=command_help("import-ledger"))
    add_db_option(p)
    p.add_argument("file", type=Path, metavar="文件", help="原有台账（.xlsx、.xls 或 .ods）")
    p.add_argument(
        "--good-rows-only",
        action="store_true",
        help="只导入正确的行（默认：有任何一行有误则停止导入；读取时发现的错误使本次什么都不导入，"
        "写入时才发现的错误使导入在该行停止，之前已导入的案件保留，再次导入同一文件时自动跳过）",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="源列=台账列",
        help="文件中的某列对应台账的哪一列（可多次）",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="台账列=值",
        help="文件没有的列，所有行填同一值（可多次）",
    )
    p.add_argument(
        "--map-value",
        action="append",
        default=[],
        metavar="列:源值=值",
        help="某列中文件的写法对应台账的哪个值，如 信访形式:走访=来访（可多次）",
    )
    p.add_argument("--new-numbers", action="store_true", help="全部重新编号（原编号记入备注）")
    p.add_argument("--dry-run", action="store_true", help="试运行：列出列的对应和每一行的结果，不改动台账")
    p.set_defaults(func=cmd_import_ledger)


def cmd_merge(args: argparse.Namespace) -> int:
    location = ledger_location(args)
    folder = args.report or (location.parent if isinstance(location, Path) else Path.cwd()) / REPORT_FOLDER
    outcome = in_operation(
        args,
        lambda ctx: merge_files(ctx, args.files, accept_edited=args.accept_edited, report_folder=folder),
        checked=True,
    ).value
    report, saved = outcome.report, outcome.saved_report
    for result in report.files:
        stream = sys.stderr if result.status is FileStatus.REFUSED else sys.stdout
        stream.write(result.summary() + "\n")
        for line in result.problems:
            stream.write(f"    {line}\n")
        for conflict in result.conflicts:
            sys.stdout.write(f"    冲突：{conflict.text()}\n")
    for flag in report.flags:
        print(f"多头访提示：{flag.text()}")
    print(report.headline())
    print(f"合并报告已保存：{saved}")
    return EXIT_SOME_REFUSED if report.count(FileStatus.REFUSED) else 0


def cmd_export_office(args: argparse.Namespace) -> int:
    start, end = period_of(args)
    request = ExportRequest(args.output, start, end, args.full, office=True)
    result = in_operation(args, lambda ctx: export_workbook(ctx, request), checked=True)
    print(f"已导出全校汇总台账 {result.rows} 件案件到 {result.path}（{start}至{end}）")
    return 0


def import_mapping_of(args: argparse.Namespace) -> ImportMapping:
    """The mapping the user gave with ``--map``, ``--set``, ``--map-value`` and ``--new-numbers``."""
    mapping = ImportMapping(new_numbers=args.new_numbers)
    for spec in args.map:
        mapping.add_column(spec)
    for spec in args.set:
        mapping.add_fixed(spec)
    for spec in args.map_value:
        mapping.add_value(spec)
    return mapping


def cmd_import_ledger(args: argparse.Namespace) -> int:
    mapping = import_mapping_of(args)
    report = in_operation(
        args,
        lambda ctx: import_file(
            ctx, args.file, mapping=mapping, good_rows_only=args.good_rows_only, dry_run=args.dry_run
        ),
        checked=True,
    ).value
    for line in report.notes():
        print(line)
    if args.dry_run:
        for line in report.verdicts():
            print(line)
        print(report.headline())
        return EXIT_SOME_REFUSED if report.problems else 0
    (sys.stdout if report.written else sys.stderr).write(report.headline() + "\n")
    for problem in report.problems:
        sys.stderr.write(f"    {problem.text()}\n")
    return EXIT_SOME_REFUSED if report.problems or not (report.written or report.already) else 0
