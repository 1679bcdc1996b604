"""The main window: navigation between 工作台 / 登记 / 台账 / 设置, menus and shortcuts, status bar.

It wires the pages together (a dashboard tile opens the ledger filtered to its cases; Enter on a
case opens it in its own window, raising the window if it is already open), remembers its geometry
and page, and on closing asks about an unsaved registration and waits for the database worker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.ledger.models import LedgerInfo
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ui.about import AboutDialog
from xinfang_desk.ui.case_view import show_case
from xinfang_desk.ui.dashboard import DashboardPage
from xinfang_desk.ui.export_dialog import ExportDialog
from xinfang_desk.ui.import_dialog import open_import_dialog
from xinfang_desk.ui.ledger_view import LedgerPage
from xinfang_desk.ui.merge_dialog import open_merge_dialog
from xinfang_desk.ui.ops import Changes, OpRunner
from xinfang_desk.ui.pdf_preview import preview_documents
from xinfang_desk.ui.registration import RegistrationPage
from xinfang_desk.ui.self_test import run_in_app as run_self_test_in_app
from xinfang_desk.ui.settings_page import SettingsPage
from xinfang_desk.ui.style import icon

SETTINGS_ORG = "xinfang_desk"
SETTINGS_APP = "xinfang_desk"

DASHBOARD, REGISTRATION, LEDGER, SETTINGS = range(4)
PAGES: tuple[tuple[str, str], ...] = (
    ("工作台", "dashboard"),
    ("登记", "register"),
    ("台账", "ledger"),
    ("设置", "settings"),
)


def app_settings() -> QSettings:
    """Where the app remembers window layout and filters (per user)."""
    return QSettings(SETTINGS_ORG, SETTINGS_APP)


class MainWindow(QMainWindow):
    """信访台账's main window."""

    def __init__(
        self, runner: OpRunner, actor: str, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.settings = settings
        self.unit_name = ""
        self.setWindowTitle("信访台账")
        self.resize(1320, 840)

        self.dashboard = DashboardPage(runner)
        self.registration = RegistrationPage(runner, actor)
        self.ledger_page = LedgerPage(runner, settings)
        self.settings_page = SettingsPage(runner, actor)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(148)
        self.navigation.setIconSize(self.navigation.iconSize() * 1.2)
        self.stack = QStackedWidget()
        for (title, icon_name), page in zip(
            PAGES, (self.dashboard, self.registration, self.ledger_page, self.settings_page), strict=True
        ):
            item = QListWidgetItem(icon(icon_name), title, self.navigation)
            item.setSizeHint(QSize(0, 46))
            self.stack.addWidget(page)
        self.navigation.currentRowChanged.connect(self._page_changed)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        side = QVBoxLayout()
        side.addWidget(self.navigation)
        row.addLayout(side)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_status_bar()

        self.dashboard.tile_activated.connect(self.show_cases)
        self.ledger_page.case_opened.connect(self.open_case)
        self.ledger_page.print_requested.connect(self.print_assign_slips)
        self.dashboard.case_opened.connect(self.open_case)
        self.registration.case_registered.connect(self._case_registered)
        runner.busy_changed.connect(self._busy_changed)
        runner.changed.connect(self._on_changed)

        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        self.show_page(int(settings.value("window/page", DASHBOARD, int)))
        self._load_unit()

    # -- building -----------------------------------------------------------------------------
    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("文件(&F)")
        self.new_action = self._action("新建登记", self.new_registration, "Ctrl+N")
        file_menu.addAction(self.new_action)
        file_menu.addSeparator()
        self.export_action = self._action("导出台账…", self.export_ledger, "Ctrl+E")
        file_menu.addAction(self.export_action)
        file_menu.addAction(self._action("导入 Excel 台账…", self.import_ledger, "Ctrl+I"))
        if self.runner.ledger.is_office:
            file_menu.addSeparator()
            file_menu.addAction(self._action("合并各单位台账…", self.merge_ledgers, "Ctrl+M"))
            file_menu.addAction(self._action("导出汇总台账…", self.export_office_ledger, "Ctrl+Shift+E"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("退出", self.close, "Ctrl+Q"))

        view_menu = menus.addMenu("视图(&V)")
        self.page_actions: list[QAction] = []
        for index, (title, _icon) in enumerate(PAGES):
            action = self._action(title, lambda _c=False, i=index: self.show_page(i), f"Ctrl+{index + 1}")
            view_menu.addAction(action)
            self.page_actions.append(action)
        view_menu.addSeparator()
        view_menu.addAction(self._action("查找案件", self.focus_search, "Ctrl+F"))
        view_menu.addAction(self._action("刷新", self.refresh, "F5"))

        help_menu = menus.addMenu("帮助(&H)")
        help_menu.addAction(self._action("自检", self.self_test))
        help_menu.addAction(self._action("关于信访台账", self.about))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel("")
        self.unit_label = QLabel("")
        self.actor_label = QLabel(f"操作人：{self.actor}")
        path = self.runner.ledger.path
        self.path_label = QLabel(f"台账：{path.name}" if path else "台账：数据库")
        self.path_label.setToolTip(str(path) if path else "")
        for label in (self.busy_label, self.unit_label, self.actor_label, self.path_label):
            bar.addPermanentWidget(label)

    # -- pages --------------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        index = max(0, min(index, len(PAGES) - 1))
        self.navigation.setCurrentRow(index)

    def current_page(self) -> int:
        return self.stack.currentIndex()

    def _page_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.settings.setValue("window/page", index)
        # On the 登记 page, Ctrl+N belongs to the form (new entry); elsewhere it opens the form.
        self.new_action.setShortcut(QKeySequence() if index == REGISTRATION else QKeySequence("Ctrl+N"))

    def new_registration(self) -> None:
        self.show_page(REGISTRATION)
        self.registration.ask_new_case()
        self.registration.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.show_page(LEDGER)
        self.ledger_page.focus_search()

    def show_cases(self, title: str, case_filter: CaseFilter) -> None:
        """The ledger page, filtered to exactly ``case_filter`` (a dashboard tile)."""
        self.ledger_page.set_filter(case_filter)
        self.show_page(LEDGER)
        self.statusBar().showMessage(f"台账已筛选：{title}", 5000)

    def open_case(self, case_id: int) -> None:
        """The case in its own window; a window already showing it is raised instead."""
        show_case(self.runner, self.actor, case_id)

    def export_ledger(self) -> ExportDialog:
        """导出台账 (Excel), in a window-modal dialog."""
        dialog = ExportDialog(self.runner, self.actor, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_office_ledger(self) -> ExportDialog:
        """导出汇总台账: the school-wide workbook with figures per unit (office mode)."""
        dialog = ExportDialog(self.runner, self.actor, self.settings, self, office=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def merge_ledgers(self) -> QWidget | None:
        """合并台账: the units' exported workbooks into this office ledger."""
        return open_merge_dialog(self, self.runner, self.actor)

    def import_ledger(self) -> QWidget:
        """导入台账: an existing Excel 台账 becomes cases with their history."""
        return open_import_dialog(self, self.runner, self.actor)

    def print_assign_slips(self, case_ids: list[int]) -> None:
        """The 交办单 of the cases selected in the ledger, as one PDF in a print preview."""
        preview_documents(self.runner, self.actor, case_ids, DocumentKind.ASSIGN, self)

    def refresh(self) -> None:
        self.runner.changed.emit(Changes(everything=True))

    def about(self) -> AboutDialog:
        dialog = AboutDialog(self.runner.ledger.path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def self_test(self) -> None:
        """帮助 → 自检: the program checked on this PC, in a temporary ledger (see ui/self_test.py)."""
        run_self_test_in_app(self.runner, self)

    # -- ledger facts, changes, busy ------------------------------------------------------------
    def _load_unit(self) -> None:
        self.runner.run(
            lambda session, _p: {row.key: row.value for row in session.scalars(select(LedgerInfo))},
            on_success=self._show_unit,
        )

    def _show_unit(self, info: dict[str, str]) -> None:
        self.unit_name = info.get("unit_name", "")
        code = info.get("unit_code", "")
        office = "（信访与督办室）" if info.get("office") == "1" else ""
        self.setWindowTitle(f"信访台账 — {self.unit_name}{office}")
        self.unit_label.setText(f"单位：{self.unit_name}（{code}）")
        self.dashboard.set_unit_name(self.unit_name)

    def _on_changed(self, changes: Changes) -> None:
        if changes.reference or changes.everything:
            self._load_unit()

    def _busy_changed(self, busy: bool) -> None:
        self.busy_label.setText("正在处理…" if busy else "")

    def _case_registered(self, case_id: int) -> None:
        self.statusBar().showMessage("已登记新案件。", 5000)

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.registration.has_unsaved_changes():
            answer = QMessageBox.question(
                self,
                "退出信访台账",
                "登记表中还有未保存的内容。确定退出吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.runner.busy:
            self.statusBar().showMessage("正在完成未结束的数据库操作，请稍候…")
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.runner.wait(120_000)
            finally:
                QApplication.restoreOverrideCursor()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.ledger_page.save_layout()
        self.settings.sync()
        self._close_case_windows()
        event.accept()

    def _close_case_windows(self) -> None:
        try:
            from xinfang_desk.ui.case_view import CaseView
        except ImportError:
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, CaseView):
                widget.close()
