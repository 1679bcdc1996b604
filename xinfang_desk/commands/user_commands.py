"""Commands on the ledger's users: ``users list|add|reset-password|disable|enable|issue-token`` and ``passwd``.

``users`` is the 管理员's (the operation checks); on a ledger without users, ``users add --role 管理员``
creates the first administrator.  ``passwd`` changes the signed-in user's own password.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import (
    acting_user,
    add_db_option,
    add_password_stdin_option,
    in_operation,
    new_password,
    open_ledger,
)
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.ledger_info import has_users
from xinfang_desk.ledger.permissions import Role
from xinfang_desk.ledger.users import (
    add_user,
    change_own_password,
    create_first_administrator,
    issue_token,
    list_users,
    reset_password,
    set_user_active,
)
from xinfang_desk.private_files import write_private_text

_ROLES = "、".join(r.label for r in Role)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help=command_help("users"))
    users = p.add_subparsers(dest="users_command", metavar="操作")
    users.required = True

    q = users.add_parser("list", help="列出用户")
    add_db_option(q)
    q.set_defaults(func=cmd_list)

    q = users.add_parser("add", help="添加用户（首次登录须修改密码）")
    add_db_option(q)
    q.add_argument("name", metavar="用户名")
    q.add_argument("--role", required=True, help=f"角色：{_ROLES}")
    add_password_stdin_option(q)
    q.set_defaults(func=cmd_add)

    q = users.add_parser("reset-password", help="重置用户密码（并解除锁定）")
    add_db_option(q)
    q.add_argument("name", metavar="用户名")
    add_password_stdin_option(q)
    q.set_defaults(func=cmd_reset)

    for verb, active, text in (("disable", False, "停用用户"), ("enable", True, "重新启用用户")):
        q = users.add_parser(verb, help=text)
        add_db_option(q)
        q.add_argument("name", metavar="用户名")
        q.set_defaults(func=cmd_set_active, active=active)

    q = users.add_parser("issue-token", help="为脚本签发令牌文件（只对该用户有效，之前的令牌作废）")
    add_db_option(q)
    q.add_argument("name", metavar="用户名")
    q.add_argument("-o", "--output", type=Path, required=True, help="令牌文件（仅本人可读）")
    q.set_defaults(func=cmd_issue_token)

    p = sub.add_parser("passwd", help=command_help("passwd"))
    add_db_option(p)
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取两行：原密码、新密码")
    p.set_defaults(func=cmd_passwd)


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError:
        raise ValidationError(f"没有“{text}”这种角色。可选：{_ROLES}。") from None


def cmd_list(args: argparse.Namespace) -> int:
    print("用户名\t角色\t状态")
    for user in in_operation(args, list_users):
        state = (
            "已停用"
            if not user.active
            else f"锁定至 {user.locked_until:%H:%M}"
            if user.locked_until
            else "正常"
        )
        extra = "（须修改密码）" if user.must_change_password else ""
        token = "（有脚本令牌）" if user.has_token else ""
        print(f"{user.name}\t{user.role.label}\t{state}{extra}{token}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    role = _role(args.role)
    ledger = open_ledger(args)
    try:
        first = not has_users(ledger)
        if first and role is not Role.ADMIN:
            raise ValidationError("此台账还没有用户：请先添加一位管理员（--role 管理员）。")
        password = new_password(args, "初始密码")
        if first:
            create_first_administrator(ledger, args.name, password)
            print(f"已创建管理员“{args.name.strip()}”。此后每条命令都需登录。")
            return 0
        actor = acting_user(args, ledger)
        with ledger.operation(actor) as ctx:
            add_user(ctx, args.name, role, password)
    finally:
        ledger.close()
    print(f"已添加{role.label}“{args.name.strip()}”，首次登录须修改密码。")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    password = new_password(args, "新密码")
    in_operation(args, lambda ctx: reset_password(ctx, args.name, password))
    print(f"已重置“{args.name.strip()}”的密码，其下次登录须修改密码。")
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    in_operation(args, lambda ctx: set_user_active(ctx, args.name, args.active))
    print(f"已{'启用' if args.active else '停用'}用户“{args.name.strip()}”。")
    return 0


def cmd_issue_token(args: argparse.Namespace) -> int:
    token = in_operation(args, lambda ctx: issue_token(ctx, args.name)).value
    write_private_text(args.output, token + os.linesep)
    print(
        f"已为“{args.name.strip()}”签发令牌：{args.output}（仅本人可读；使用时设置 XINFANG_DESK_TOKEN_FILE）"
    )
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    try:
        actor = acting_user(args, ledger, changing_password=True)
        if actor.user_id is None:
            raise ValidationError("此台账没有启用用户登录，无需密码。")
        if args.password_stdin:
            import sys

            old, new = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
        else:
            import getpass

            old = getpass.getpass("原密码：")
            new = new_password(args, "新密码")
        with ledger.operation(actor) as ctx:
            change_own_password(ctx, old, new)
    finally:
        ledger.close()
    print("密码已修改。")
    return 0
