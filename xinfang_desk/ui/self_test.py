"""自检: the whole program checked on this PC — Qt's Chinese strings, the CJK font, and a case worked through.

``xinfang-desk --self-test`` runs it offscreen and prints one line per check (exit 0, or 1 with the
reasons in Chinese); 帮助 → 自检 runs the same checks in the app, the ledger part on the worker, and
shows the report.  Nothing touches the user's ledger: the test ledger lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget

from xinfang_desk import __version__, fonts
from xinfang_desk.selftest import CheckResult, check_font_file, run_ledger_checks
from xinfang_desk.ui import translations
from xinfang_desk.ui.fonts_qt import install_fonts
from xinfang_desk.ui.ops import OpRunner

#: What a standard OK button reads once Qt's Chinese translations are loaded.
OK_TEXT = "确定"
EXIT_FAILED = 1


def check_translations(app: QApplication) -> CheckResult:
    loaded = translations.install_translations(app)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    text = box.button(QDialogButtonBox.StandardButton.Ok).text().replace("&", "")
    box.deleteLater()
    if loaded and text == OK_TEXT:
        return CheckResult("Qt 中文界面", True, f"标准按钮显示“{text}”")
    where = translations.translations_folder()
    return CheckResult(
        "Qt 中文界面", False, f"标准按钮显示“{text}”而不是“{OK_TEXT}”：{where} 中没有 qtbase_zh_CN.qm"
    )


def check_qt_font(app: QApplication) -> CheckResult:
    # Qt may know the family without its being the application font (installed on the PC as well)
    if fonts.CJK_FAMILY not in app.font().families():
        install_fonts(app)
    if fonts.CJK_FAMILY in QFontDatabase.families() and fonts.CJK_FAMILY in app.font().families():
        return CheckResult("界面中文字体", True, f"{fonts.CJK_FAMILY}（{app.font().pointSize()} 磅）")
    return CheckResult("界面中文字体", False, f"Qt 未能加载 {fonts.primary_font_path()}")


def qt_checks(app: QApplication) -> list[CheckResult]:
    return [check_translations(app), check_font_file(), check_qt_font(app)]


def ledger_checks() -> list[CheckResult]:
    with tempfile.TemporaryDirectory(prefix="xinfang-selftest-") as folder:
        return run_ledger_checks(Path(folder))


def report(results: list[CheckResult]) -> str:
    lines = [f"信访台账 {__version__} 自检"]
    lines += [f"{'通过' if r.ok else '失败'}  {r.name}：{r.detail}" for r in results]
    failed = [r for r in results if not r.ok]
    lines.append(
        "自检通过。"
        if not failed
        else f"自检未通过：{len(failed)} 项失败（{'、'.join(r.name for r in failed)}）。"
    )
    return "\n".join(lines)


def run_self_test() -> int:
    """The command line's ``--self-test``: offscreen unless a platform was chosen; exit 0 or 1."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    results = qt_checks(app) + ledger_checks()
    text = report(results)
    ok = all(r.ok for r in results)
    (sys.stdout if ok else sys.stderr).write(text + "\n")
    return 0 if ok else EXIT_FAILED


def run_in_app(runner: OpRunner, parent: QWidget) -> None:
    """帮助 → 自检: the Qt checks now, the ledger checks on the worker (with a progress dialog), then the report."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    first = qt_checks(app)

    def show(rest: list[CheckResult]) -> None:
        results = first + rest
        box = QMessageBox(parent)
        box.setWindowTitle("自检")
        box.setIcon(QMessageBox.Icon.Information if all(r.ok for r in results) else QMessageBox.Icon.Warning)
        box.setText(report(results))
        box.open()

    runner.run_detached(  # the checks make their own temporary ledger: the user's worker stays free
        lambda _progress: ledger_checks(),
        on_success=show,
        progress_label="正在自检…",
        parent=parent,
    )
