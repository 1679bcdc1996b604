"""``xinfang-desk migrate-to TARGET``: copy the ``--db`` ledger into an empty database, and check the copy.

TARGET is a database URL (``postgresql+psycopg://user@host/dbname``; the password comes from
``.pgpass`` or ``PGPASSWORD``, never the command line) or a new ledger file — so a ledger moves to a
server and back.  The source is only read.

``xinfang-desk server-role 账号 --db URL`` prints the SQL that gives clerks a database account of their
own on the server: it can register and work cases, never change or remove the history.
"""

from __future__ import annotations

import argparse
import sys

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import add_db_option, in_operation, ledger_location, open_ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.operations.safekeeping import allow_copy

EXIT_NOT_EQUAL = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate-to", help=command_help("migrate-to"))
    p.add_argument(
        "target",
        metavar="目标",
        help="目标数据库地址，如 postgresql+psycopg://用户@主机/库名，或新的台账文件",
    )
    add_db_option(p)
    p.set_defaults(func=cmd_migrate_to)

    p = sub.add_parser(
        "server-role",
        help=command_help("server-role"),
    )
    p.add_argument("role", metavar="账号", help="数据库账号名（小写英文字母、数字、下划线）")
    add_db_option(p)
    p.set_defaults(func=cmd_server_role)


def cmd_migrate_to(args: argparse.Namespace) -> int:
    from xinfang_desk.ledger.transfer import copy_ledger

    if "://" in args.target and ":" in args.target.split("://", 1)[1].split("@", 1)[0] and "@" in args.target:
        raise ValidationError("请不要在命令行中写密码：请把密码写在 .pgpass 文件或环境变量 PGPASSWORD 中。")
    in_operation(args, lambda ctx: allow_copy(ctx, args.target))  # a whole, unmasked copy: 备份台账's right
    source = open_ledger(args)
    interactive = sys.stderr.isatty()

    def report(table: str, rows: int) -> None:
        if interactive:
            sys.stderr.write(f"\r正在复制 {table}：{rows} 行")

    try:
        result = copy_ledger(source, args.target, progress=report)
    finally:
        source.close()
    if interactive:
        sys.stderr.write("\n")
    (sys.stdout if result.ok else sys.stderr).write(result.text() + "\n")
    return 0 if result.ok else EXIT_NOT_EQUAL


def cmd_server_role(args: argparse.Namespace) -> int:
    from xinfang_desk.ledger.storage.postgresql import clerk_role_script

    sys.stdout.write(clerk_role_script(args.role, str(ledger_location(args))))
    return 0
