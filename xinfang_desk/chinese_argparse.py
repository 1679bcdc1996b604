"""argparse in Chinese: its own help headings and error messages, for the command line and the app.

argparse looks its strings up through the module-level ``_``/``ngettext`` it imported from gettext;
``ChineseArgumentParser`` points them at the table below once, so ``--help`` and every error a user can
cause read wholly in Chinese.  An error ends in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # typing itself is not imported: ``--help`` should load next to nothing
if TYPE_CHECKING:
    from typing import NoReturn

EXIT_USER_ERROR = 2
EXIT_UNEXPECTED = 3

ARGPARSE_CHINESE: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "subcommands": "命令",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 必须指定其中之一",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的参数值 %r",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是%(type)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知命令 %(parser_name)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "错误：%(message)s\n",
}

# The placeholder shown after an option with no ``metavar`` of its own, by the option's ``dest``.
METAVARS: dict[str, str] = {
    "db": "路径",
    "unit_code": "代码",
    "unit_name": "名称",
    "cases": "件数",
    "demo_cases": "件数",
    "seed": "种子",
    "today": "日期",
    "year": "年度",
    "start": "日期",
    "end": "日期",
    "status": "状态",
    "search": "关键词",
    "limit": "条数",
    "output": "文件",
    "report": "文件",
    "actor": "操作人",
}

# argparse names a failed ``type=`` by the function's name: say what was expected instead.
TYPE_NAMES: dict[str, str] = {"int": "整数", "float": "数字", "Path": "路径", "str": "文字"}


def chinese(text: str) -> str:
    """argparse's ``_``: the Chinese for one of its strings, or the string itself."""
    return ARGPARSE_CHINESE.get(text, text)


def chinese_plural(singular: str, plural: str, count: int) -> str:
    """argparse's ``ngettext``."""
    return chinese(singular if count == 1 else plural)


def _install() -> None:
    argparse._ = chinese  # type: ignore[attr-defined]
    argparse.ngettext = chinese_plural  # type: ignore[attr-defined]


#: Code points a terminal draws two columns wide (CJK ideographs, kana, hangul, full-width forms).
WIDE_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x115F),
    (0x2E80, 0xA4CF),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFF60),
    (0xFFE0, 0xFFE6),
    (0x20000, 0x3FFFD),
)
#: Punctuation that may not start a line: it goes down together with the character before it.
NO_LINE_START = frozenset("，。、；：！？）》」』”’,.;:!?)")


def _width(ch: str) -> int:
    code = ord(ch)
    if code < 0x1100:
        return 1
    if 0x4E00 <= code <= 0x9FFF:  # the common ideographs, nearly every character of the help
        return 2
    for low, high in WIDE_RANGES:
        if low <= code <= high:
            return 2
    return 1


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: Chinese characters take two."""
    return sum(map(_width, text))


def _pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: runs of spaces, words of narrow letters, each wide character."""
    pieces: list[str] = []
    for ch in text:
        last = pieces[-1][-1] if pieces else ""
        same_run = ch == last if " " in (ch, last) else bool(last) and _width(last) == _width(ch) == 1
        if same_run:
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces or between Chinese characters.

    ``textwrap`` counts characters, so Chinese help ran to twice the terminal's width; a word longer
    than ``width`` keeps a line of its own.
    """
    lines: list[list[str]] = [[]]
    used = 0
    for piece in _pieces(text):
        size = columns(piece)
        if used + size > width and lines[-1]:
            if piece.startswith(" "):
                lines.append([])
                used = 0
                continue
            carried: list[str] = []
            if piece in NO_LINE_START:  # take the character before (and the marks after it) down too
                while lines[-1][-1].startswith(" ") and len(lines[-1]) > 1:
                    lines[-1].pop()
                while len(lines[-1]) > 1 and (not carried or carried[0] in NO_LINE_START):
                    carried.insert(0, lines[-1].pop())
            lines.append(carried)
            used = sum(columns(part) for part in carried)
        if piece.startswith(" ") and not lines[-1]:
            continue
        lines[-1].append(piece)
        used += size
    return ["".join(line).rstrip() for line in lines if line]


def terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it (``COLUMNS``, the terminal, else 80)."""
    try:
        width = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        width = 0
    if width <= 0:
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            width = 0
    return width or 80


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help with Chinese placeholders (``--db 路径``) and lines that fit the terminal with Chinese in them."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ):
        super().__init__(
            prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width
        )

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, "值")

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, "值")


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors are Chinese; errors end in one line and exit 2."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        _install()
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def add_argument(self, *args: object, **kwargs: object) -> argparse.Action:
        if kwargs.get("action") == "version":
            kwargs.setdefault("help", chinese("show program's version number and exit"))
        return super().add_argument(*args, **kwargs)  # type: ignore[arg-type]

    def _get_value(self, action: argparse.Action, arg_string: str) -> object:
        try:
            return super()._get_value(action, arg_string)  # type: ignore[misc]
        except argparse.ArgumentError as exc:
            name = getattr(action.type, "__name__", repr(action.type))
            if exc.message.endswith(f"不是{name}"):
                exc.message = exc.message.removesuffix(name) + TYPE_NAMES.get(name, "有效的值")
            raise

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"错误：{message}\n")
        raise SystemExit(EXIT_USER_ERROR)
