"""The command line: ``xinfang-desk <command> [--db PATH] …``.

Commands live in ``xinfang_desk.commands`` (one module per concern, each with ``register``).  Every
error a user can cause ends in one Chinese line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence

from xinfang_desk import __version__
from xinfang_desk.commands import COMMAND_MODULES
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.logs import setup_logging

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with its messages in Chinese and one line on error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = (
            message.replace("the following arguments are required", "缺少必需的参数")
            .replace("invalid choice", "无效的选项")
            .replace("unrecognized arguments", "无法识别的参数")
            .replace("argument", "参数")
            .replace("expected one argument", "需要一个值")
            .replace("invalid int value", "不是整数")
        )
        sys.stderr.write(f"错误：{message}\n")
        raise SystemExit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xinfang-desk", description="信访台账命令行工具")
    parser.add_argument("--version", action="version", version=f"xinfang-desk {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="自检：在临时台账中登记、交办、导出并读回，检查中文界面与字体",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the merge reads files in a second process, also when bundled
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    if args.self_test:
        from xinfang_desk.ui.self_test import run_self_test  # Qt is loaded only for the self-test

        return run_self_test()
    if args.command is None:
        parser.error("缺少必需的参数: 命令")
    try:
        return int(args.func(args) or 0)
    except LedgerError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
