"""The bundle's entry point: ``xinfang-desk`` is the command line, ``xinfang-desk-gui`` the window.

Both executables of the bundle are built from this one script (one analysis, one set of libraries);
the name each was started under chooses which of the two runs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    if Path(sys.executable).stem.lower().endswith("-gui"):
        from xinfang_desk.ui.app import main as run
    else:
        from xinfang_desk.cli import main as run
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
