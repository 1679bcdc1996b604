"""``xinfang-desk --self-test``: exit 0 with one line per check, or 1 with the failed check's reason in Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from xinfang_desk.cli import main
from xinfang_desk.ui import translations


def test_self_test_passes_in_a_fresh_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xinfang_desk", "--self-test"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "自检通过。"
    assert "通过  Qt 中文界面：标准按钮显示“确定”" in lines
    for check in (
        "中文字体文件",
        "界面中文字体",
        "新建台账",
        "登记、受理并交办案件",
        "台账（Excel）",
        "交办单（PDF）",
    ):
        assert any(line.startswith("通过") and check in line for line in lines), check


def test_without_qt_translations_it_fails_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = QApplication.instance() or QApplication([])
    for translator in getattr(app, "qt_translators", []):
        app.removeTranslator(translator)
    app.qt_translators = None  # type: ignore[attr-defined]
    monkeypatch.setattr(translations, "translations_folder", lambda: tmp_path)
    try:
        assert main(["--self-test"]) == 1
    finally:
        monkeypatch.undo()
        app.qt_translators = None  # type: ignore[attr-defined]
        assert translations.install_translations(app)
    err = capsys.readouterr().err
    assert "失败  Qt 中文界面" in err and "qtbase_zh_CN.qm" in err and str(tmp_path) in err
    assert err.rstrip().endswith("自检未通过：1 项失败（Qt 中文界面）。")


def test_without_a_command_it_still_asks_for_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2 and "缺少必需的参数" in capsys.readouterr().err
