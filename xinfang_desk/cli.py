"""The command line: ``xinfang-desk <command> [--db PATH] …``.

Commands live in ``xinfang_desk.commands`` (one module per concern, each with ``register``); only the
module of the command given is imported, and logging only once the arguments are read, so ``--help``
loads next to nothing and ``--version`` alone is answered before even argparse.  Every error a user can cause ends in one Chinese line on stderr and
a non-zero exit, never a traceback.
"""

from __future__ import annotations

import gc
import sys
from importlib import import_module

from xinfang_desk import __version__
from xinfang_desk.commands import COMMANDS

TYPE_CHECKING = False  # neither typing nor argparse is imported to answer ``--version``
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

#: What ``--version`` prints.
VERSION_TEXT = f"xinfang-desk {__version__}"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported and registers its full parsers.

    Every other command is listed by its name and help alone (``COMMANDS``), which is all that
    ``--help`` shows, so ``--version`` and ``--help`` import no command, no ledger and no SQLAlchemy.
    """
    from xinfang_desk.chinese_argparse import ChineseArgumentParser

    parser = ChineseArgumentParser(prog="xinfang-desk", description="信访台账命令行工具")
    parser.add_argument("--version", action="version", version=VERSION_TEXT)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="自检：在临时台账中登记、交办、导出并读回，检查中文界面与字体",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, help_text) in COMMANDS.items():
        if module != chosen:
            sub.add_parser(name, help=help_text, add_help=False)  # listed only: never parsed
        elif name not in sub.choices:
            import_module(f"xinfang_desk.commands.{module}").register(sub)
    return parser


def command_in(args: Sequence[str]) -> str | None:
    """The command named in ``args``: the first word that is not an option (the program's own take no value)."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def _terminated(signum: int, _frame: object) -> None:
    """A polite kill (SIGTERM) ends like Ctrl+C: every ``finally`` runs, temporary files go."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # the merge reads files in a second process, also when bundled
        import multiprocessing

        multiprocessing.freeze_support()
    in_own_process = argv is None  # run as the program, not called by other Python code
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        sys.stdout.write(f"{VERSION_TEXT}\n")
        return 0
    # What importing the command's modules makes is kept to the end: collecting while they load is wasted
    # work, and in the program's own process later collections need not walk them either (frozen).
    collecting = gc.isenabled()
    gc.disable()
    try:
        parser = build_parser(command_in(argv))
        args = parser.parse_args(argv)
        import logging
        import signal
        import threading

        from xinfang_desk.chinese_argparse import EXIT_UNEXPECTED, EXIT_USER_ERROR
        from xinfang_desk.ledger.errors import LedgerError
        from xinfang_desk.logs import setup_logging, unexpected_error_text
        from xinfang_desk.private_files import remove_stale_temp
    finally:
        if in_own_process:
            gc.freeze()
        if collecting:
            gc.enable()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    setup_logging()
    if args.self_test:
        from xinfang_desk.ui.self_test import run_self_test  # Qt is loaded only for the self-test

        return run_self_test()
    if args.command is None:
        parser.error("缺少必需的参数: 命令")
    try:
        remove_stale_temp()
        return int(args.func(args) or 0)
    except LedgerError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: the details go to the log, the user reads one sentence
        logging.getLogger("xinfang_desk.cli").exception("unexpected error in %s", args.command)
        sys.stderr.write(f"错误：{unexpected_error_text(exc)}\n")
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
