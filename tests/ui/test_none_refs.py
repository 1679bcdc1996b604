"""The app survives as many PySide6 calls returning None as a long day's work makes."""

from __future__ import annotations

import os
import subprocess
import sys

# Each call returns None; PySide6 6.12 on Python 3.11 takes a reference of None's with each.
_MANY_CALLS = """
import xinfang_desk.ui
from PySide6.QtWidgets import QApplication, QLabel, QTableWidgetItem
from PySide6.QtCore import Qt
app = QApplication([])
label, item = QLabel(), QTableWidgetItem("x")
for n in range(100_000):
    label.setText("待受理")
    item.setData(Qt.ItemDataRole.UserRole, n)
print("done")
"""


def test_two_hundred_thousand_calls_returning_none_do_not_abort_the_app() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-c", _MANY_CALLS], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr[-600:]
