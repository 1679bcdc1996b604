"""The command line starts light: ``--version`` and ``--help`` import no command, ledger or SQLAlchemy."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import import_module

import pytest

from xinfang_desk.chinese_argparse import ChineseArgumentParser
from xinfang_desk.cli import build_parser
from xinfang_desk.commands import COMMANDS

RUN_THEN_MODULES = r"""
import sys
from xinfang_desk.cli import main

try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:", *sorted({name.split(".")[0] for name in sys.modules} | {n for n in sys.modules if n.startswith("xinfang_desk.")}))
"""


def loaded_by(*args: str) -> tuple[str, set[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", RUN_THEN_MODULES, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    *printed, last = result.stdout.strip().splitlines()
    return "\n".join(printed), set(last.split()[1:])


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_import_no_command_and_no_sqlalchemy(option: str) -> None:
    printed, loaded = loaded_by(option)
    assert printed.startswith("xinfang-desk ") if option == "--version" else "migrate-to" in printed
    assert "sqlalchemy" not in loaded
    assert not {name for name in loaded if name.startswith("xinfang_desk.commands.")}


def test_a_command_loads_only_its_own_module() -> None:
    printed, loaded = loaded_by("stats", "--help")
    assert "--json" in printed
    commands = {name for name in loaded if name.startswith("xinfang_desk.commands.")}
    assert commands == {"xinfang_desk.commands.ledger_commands", "xinfang_desk.commands.common"}
    assert not {"openpyxl", "reportlab", "alembic"} & loaded


def _registered_by(module: str) -> dict[str, str]:
    """The commands ``module`` registers, with their help."""
    parser = ChineseArgumentParser(prog="probe")
    sub = parser.add_subparsers(parser_class=ChineseArgumentParser)
    import_module(f"xinfang_desk.commands.{module}").register(sub)
    return {action.dest: action.help for action in sub._choices_actions}


def test_every_command_is_listed_with_its_module_and_the_help_it_registers() -> None:
    listed = {name: help_text for name, (_module, help_text) in COMMANDS.items()}
    registered: dict[str, str] = {}
    for module in dict.fromkeys(module for module, _help in COMMANDS.values()):
        for name, help_text in _registered_by(module).items():
            assert COMMANDS[name][0] == module
            registered[name] = help_text
    assert registered == listed
    full = build_parser("stats")
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert "func" in sub.choices["stats"]._defaults and "func" not in sub.choices["backup"]._defaults
