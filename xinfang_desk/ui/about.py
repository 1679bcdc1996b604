"""帮助 → 关于: version, where the ledger, data and log live, the libraries in use, and 复制诊断信息."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk import __version__
from xinfang_desk.diagnostics import diagnostics, diagnostics_text


class AboutDialog(QDialog):
    """The program's facts, selectable, and a button that copies them for support."""

    def __init__(self, ledger_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ledger_path = ledger_path
        self.setWindowTitle("关于信访台账")
        layout = QVBoxLayout(self)
        title = QLabel(
            f"<h3>信访台账 {__version__}</h3>高校二级单位信访事项登记、交办、督办与统计的离线桌面工具。"
        )
        title.setWordWrap(True)
        layout.addWidget(title)
        form = QFormLayout()
        for label, value in diagnostics(ledger_path):
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            form.addRow(f"{label}：", shown)
        layout.addLayout(form)
        self.copy_button = QPushButton("复制诊断信息")
        self.copy_button.setToolTip("把以上信息复制到剪贴板，可粘贴到邮件或工单中发给技术支持")
        self.copy_button.clicked.connect(self.copy_diagnostics)
        self.copied_label = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.copied_label)
        layout.addWidget(buttons)

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(diagnostics_text(self.ledger_path))
        self.copied_label.setText("诊断信息已复制到剪贴板。")
