"""argparse in Chinese: its own help headings and error messages, for the command line and the app.

argparse looks its strings up through the module-level ``_``/``ngettext`` it imported from gettext;
``ChineseArgumentParser`` points them at the table below once, so ``--help`` and every error a user can
cause read wholly in Chinese.  An error ends in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
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


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help with Chinese placeholders (``--db 路径``) instead of the upper-cased option name."""

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
