"""One program for both ways of working: the window, or the command line when given a command.

The bundle has a single executable ``xinfang-desk`` (so its libraries are not carried twice):
started with no arguments (double-clicked, the Start-menu shortcut) or with only the window's own
options (``--db``, ``--demo``) it opens the window; with a command, ``--self-test``, ``--version`` or
``--help`` it is the command line.  On Windows it is a console program whose console window hides
at once when it was not started from a console (build.spec: ``hide_console``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Options of the window (``ui/app.py``); anything else goes to the command line.
WINDOW_OPTIONS: tuple[str, ...] = ("--db", "--demo", "--demo-cases")


def wants_window(args: Sequence[str]) -> bool:
    """True when ``args`` (without the program name) ask for the window rather than the command line."""
    return not args or args[0].split("=", 1)[0] in WINDOW_OPTIONS


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_window(args):
        from xinfang_desk.ui.app import main as run
    else:
        from xinfang_desk.cli import main as run
    return int(run(args) or 0)
