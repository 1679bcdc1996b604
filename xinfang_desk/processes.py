"""Whether a process is still running, asked without disturbing it (on Windows and POSIX alike)."""

from __future__ import annotations

import os
import sys


def process_alive(pid: int) -> bool:
    """True while the process ``pid`` runs (or cannot be told apart from a running one)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
