"""Helpers shared by the commands: the ``--db`` option, opening the ledger, who is acting, parsing dates.

Every command that works on a ledger signs in through ``acting_user``: on a ledger with users it takes
``XINFANG_DESK_TOKEN_FILE`` (a token a 管理员 issued), or ``XINFANG_DESK_USER`` and
``XINFANG_DESK_PASSWORD``, or asks at the terminal; ``in_operation`` then runs the work as that user.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from xinfang_desk.ledger.db import Ledger, PendingUpgrade
from xinfang_desk.ledger.demo_ledger import DEMO_ACTOR
from xinfang_desk.ledger.errors import AuthenticationError, ValidationError
from xinfang_desk.ledger.figures import year_range
from xinfang_desk.ledger.ledger_info import has_users
from xinfang_desk.ledger.limits import (
    MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS,
    MAX_YEAR,
    MIN_YEAR,
    check_count,
    check_date,
    check_text,
)
from xinfang_desk.ledger.operations.context import Actor, OpContext
from xinfang_desk.ledger.users import SignIn, authenticate
from xinfang_desk.paths import default_ledger_path, ledger_argument


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=ledger_argument,
        default=None,
        help="台账文件或数据库地址（默认：用户数据目录中的 ledger.sqlite）",
    )


def ledger_location(args: argparse.Namespace) -> str | Path:
    return args.db if args.db is not None else default_ledger_path()


def file_location(args: argparse.Namespace, what: str) -> Path:
    """The ``--db`` ledger as a file, for work that only a ledger file allows (``what``)."""
    location = ledger_location(args)
    if not isinstance(location, Path):
        raise ValidationError(f"{what}只适用于台账文件；服务器上的台账请用数据库自身的工具。")
    return location


def open_ledger(args: argparse.Namespace, *, reads_only: bool = False) -> Ledger:
    """The ``--db`` ledger; ``reads_only`` skips the quick integrity check at opening (it reads every page:
    1 s at 300,000 cases), as the window does before its first page — a command that only reads cannot
    make a damaged file worse, and a damaged page it reads is still refused in Chinese."""
    return Ledger.open(ledger_location(args), check=not reads_only, upgrade_with=upgrade_saying_so)


def upgrade_saying_so(pending: PendingUpgrade) -> None:
    """An older ledger's upgrade, announced on stderr first (it may take tens of seconds)."""
    wait = pending.expected_wait()
    where = f"“{pending.path}”" if pending.path is not None else ""
    kept = f"升级前的台账另存为“{pending.backup_path.name}”；" if pending.backup_path is not None else ""
    print(
        f"正在升级台账{where}（台账版本 {pending.versions}；{kept}{wait or '请稍候'}）……",
        file=sys.stderr,
        flush=True,
    )
    pending.run()


def parse_date(text: str) -> date:
    """A date typed as YYYY-MM-DD (as an argparse ``type``: its error becomes argparse's one line)."""
    try:
        return check_date(date.fromisoformat(text.strip()), "日期")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}”不是有效日期，请用 YYYY-MM-DD 格式，如 2025-03-01"
        ) from None
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bounded_int(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high``, else one Chinese sentence."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}“{text[:40]}”不是整数") from None
        try:
            return check_count(value, what, low, high)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def search_text(text: str) -> str:
    """An argparse ``type`` for search terms: bounded, no control characters."""
    try:
        cleaned = check_text(text, "检索内容", limit=MAX_SEARCH_CHARS, one_line=True)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if len(cleaned.split()) > MAX_SEARCH_WORDS:
        raise argparse.ArgumentTypeError(f"检索内容最多 {MAX_SEARCH_WORDS} 个词")
    return cleaned


def add_period_options(parser: argparse.ArgumentParser) -> None:
    """``--year`` or ``--from``/``--to``: the period of receipt a command works on."""
    parser.add_argument("--year", type=bounded_int(MIN_YEAR, MAX_YEAR, "年度"), help="年度（按收件日期）")
    parser.add_argument("--from", dest="start", type=parse_date, help="起始日期 YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=parse_date, help="截止日期 YYYY-MM-DD")


def period_of(args: argparse.Namespace) -> tuple[date, date]:
    """The period that ``add_period_options`` asked for, checked."""
    if args.year is not None:
        if args.start or args.end:
            raise ValidationError("--year 与 --from/--to 不能同时使用。")
        if not 2000 <= args.year <= 2100:
            raise ValidationError(f"年度“{args.year}”不合理。")
        return year_range(args.year)
    if args.start and args.end:
        if args.end < args.start:
            raise ValidationError("截止日期早于起始日期。")
        return args.start, args.end
    raise ValidationError("请指定 --year，或同时指定 --from 和 --to。")


ENV_USER = "XINFANG_DESK_USER"
ENV_PASSWORD = "XINFANG_DESK_PASSWORD"
ENV_TOKEN_FILE = "XINFANG_DESK_TOKEN_FILE"
PASSWORD_CHANGE_FIRST = "首次登录（或密码被管理员重置后）须先修改密码：xinfang-desk passwd --db 台账文件。"


def sign_in(ledger: Ledger) -> SignIn:
    """Sign in to a ledger that has users: a token file, the environment, or the terminal."""
    token_file = os.environ.get(ENV_TOKEN_FILE, "").strip()
    if token_file:
        return authenticate(ledger, token=read_token_file(Path(token_file)))
    name = os.environ.get(ENV_USER, "").strip()
    password = os.environ.get(ENV_PASSWORD)
    if not name and sys.stdin.isatty():
        name = input("用户名：").strip()
    if name and password is None and sys.stdin.isatty():
        password = getpass.getpass("密码：")
    if not name or password is None:
        raise AuthenticationError(
            f"此台账已启用用户登录：请设置环境变量 {ENV_USER} 和 {ENV_PASSWORD}，"
            f"或用 {ENV_TOKEN_FILE} 指定管理员签发的令牌文件。"
        )
    return authenticate(ledger, name, password)


def read_token_file(path: Path) -> str:
    """A token file's token, refused when other users could read the file."""
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except OSError:
        raise AuthenticationError(f"无法读取令牌文件“{path}”。") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuthenticationError(f"令牌文件“{path}”可被其他用户读取，请先执行 chmod 600。")
    return token


def acting_user(args: argparse.Namespace, ledger: Ledger, *, changing_password: bool = False) -> Actor:
    """Who runs this command on ``ledger``.

    A ledger without users (as before users existed) is worked on as the operating-system user, a
    demo ledger as 演示管理员; a ledger with users needs a signed-in user, whose password must first be
    changed when it is new or was reset.
    """
    del args  # every command signs in the same way; kept so commands need not know how
    if not has_users(ledger):
        return DEMO_ACTOR if ledger.is_demo else Actor.of_system_user()
    signed_in = sign_in(ledger)
    if signed_in.must_change_password and not changing_password:
        raise AuthenticationError(PASSWORD_CHANGE_FIRST)
    return signed_in.actor


T = TypeVar("T")


def in_operation(
    args: argparse.Namespace,
    work: Callable[[OpContext], T],
    *,
    checked: bool = False,
    reads_only: bool = False,
) -> T:
    """Open the ``--db`` ledger, sign in (``acting_user``), run ``work`` as one committed operation.

    ``checked``: the full integrity check passes first (exports, merges, imports); ``reads_only``: ``work``
    only reads (figures, lists, a case), in a reading session, without the quick check at opening.
    """
    ledger = open_ledger(args, reads_only=reads_only)
    try:
        actor = acting_user(args, ledger)
        if checked:
            ledger.require_sound()
        with ledger.operation(actor, write=not reads_only) as ctx:
            return work(ctx)
    finally:
        ledger.close()


def add_workbook_output_options(parser: argparse.ArgumentParser) -> None:
    """``-o FILE.xlsx`` and ``--full`` (unmasked personal data) of the 台账 exports."""
    parser.add_argument("-o", "--output", type=Path, required=True, help="输出文件（.xlsx）")
    parser.add_argument("--full", action="store_true", help="完整导出身份证号和电话（不脱敏，记入审计日志）")


def add_password_stdin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="从标准输入读取密码（一行；默认在终端提示输入两次）"
    )


def new_password(args: argparse.Namespace, prompt: str = "新密码") -> str:
    """A password chosen for a new or reset account: one line of stdin, or typed twice at the terminal."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValidationError("请在终端输入密码，或加 --password-stdin 从标准输入读取。")
    first = getpass.getpass(f"{prompt}：")
    if getpass.getpass(f"再次输入{prompt}：") != first:
        raise ValidationError("两次输入的密码不一致。")
    return first
