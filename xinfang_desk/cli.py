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
from xinfang_desk.chinese_argparse import EXIT_USER_ERROR, ChineseArgumentParser
from xinfang_desk.commands import COMMAND_MODULES
from xinfang_desk.ledger.errors import LedgerError


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="xinfang-desk", description="信访台账命令行工具")
    parser.add_argument("--version", action="version", version=f"xinfang-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the merge reads files in a second process, also when bundled
    parser = build_parser()
    args = parser.parse_args(argv)
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
