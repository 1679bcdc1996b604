"""The main window: navigation between 工作台 / 登记 / 台账 / 设置 / 统计分析, menus and shortcuts, status bar.

It wires the pages together (a dashboard tile opens the ledger filtered to its cases; Enter on a
case opens it in its own window, raising the window if it is already open), remembers its geometry
and page, and on closing asks about an unsaved registration and waits for the database worker.

Only the page the window opens on and the 台账 are built before the window shows: the 工作台, 登记 and
设置 are built once the 台账's first rows are drawn (their reads then follow that page's), and 统计分析
when it is first shown.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
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

from xinfang_desk.ledger.operations.queries import LedgerFacts, ledger_facts
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ui.ledger_view import LedgerPage
from xinfang_desk.ui.ops import Changes, OpRunner
from xinfang_desk.ui.safekeeping import Safekeeping
from xinfang_desk.ui.style import icon
from xinfang_desk.ui.wheel_guard import install_wheel_guard

if TYPE_CHECKING:
    from xinfang_desk.ui.about import AboutDialog
    from xinfang_desk.ui.dashboard import DashboardPage
    from xinfang_desk.ui.export_dialog import ExportDialog
    from xinfang_desk.ui.figures_page import FiguresPage
    from xinfang_desk.ui.registration import RegistrationPage
    from xinfang_desk.ui.settings_page import SettingsPage

SETTINGS_ORG = "xinfang_desk"
SETTINGS_APP = "xinfang_desk"

DASHBOARD, REGISTRATION, LEDGER, SETTINGS, FIGURES = range(5)
#: Built one at a time once the 台账's first rows are drawn (unless shown earlier); the rest on first show.
#: The dashboard comes last: its figures are the longest read, the others' reads are quick.
BUILT_AFTER_FIRST_PAGE = (REGISTRATION, SETTINGS, DASHBOARD)
PAGES: tuple[tuple[str, str], ...] = (
    ("工作台", "dashboard"),
    ("登记", "register"),
    ("台账", "ledger"),
    ("设置", "settings"),
    ("统计分析", "figures"),
)


def app_settings() -> QSettings:
    """Where the app remembers window layout and filters (per user)."""
    return QSettings(SETTINGS_ORG, SETTINGS_APP)


class MainWindow(QMainWindow):
    """信访台账's main window.

    The database worker serves one job at a time, so the window's reads are queued in the order the
    user needs them: the 台账's first page first, then the other pages' reads and the dashboard's
    figures, then whatever waits for ``first_page_ready`` (the background checks the app starts).
    """

    #: The 台账's first page is on screen (or its query failed, or the 台账 is not the page shown).
    first_page_drawn = Signal()
    #: The pages built after the first page are there and their reads queued: the rest may follow.
    first_page_ready = Signal()

    def __init__(self, runner: OpRunner, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.unit_name = ""
        self.question: QMessageBox | None = None
        self.setWindowTitle("")
        self.resize(1320, 840)

        self._first_page_was_drawn = False
        self._dashboard_waiting: DashboardPage | None = None
        # Every widget is made inside its parent: one reparented later has its whole subtree told of
        # the style again (the application style sheet's), a few hundredths of a second at start-up.
        central = QWidget(self)
        self.navigation = QListWidget(central)
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(148)
        self.navigation.setIconSize(self.navigation.iconSize() * 1.2)
        self.stack = QStackedWidget(central)
        self.ledger_page = LedgerPage(runner, settings, self.stack)
        #: The pages built so far by their index; the stack holds an empty stand-in for the others.
        self._pages: dict[int, QWidget] = {LEDGER: self.ledger_page}
        for index, (title, icon_name) in enumerate(PAGES):
            item = QListWidgetItem(icon(icon_name), title, self.navigation)
            item.setSizeHint(QSize(0, 46))
            self.stack.addWidget(self._pages.get(index) or QWidget(self.stack))
        self.navigation.currentRowChanged.connect(self._page_changed)

        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        side = QVBoxLayout()
        side.addWidget(self.navigation)
        row.addLayout(side)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.safekeeping = Safekeeping(runner, settings, self)
        self._build_menus()
        self._build_status_bar()

        self.ledger_page.case_opened.connect(self.open_case)
        self.ledger_page.print_requested.connect(self.print_assign_slips)
        runner.busy_changed.connect(self._busy_changed)
        runner.changed.connect(self._on_changed)

        self.ledger_page.first_rows_drawn.connect(self._after_first_page_drawn)

        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        self.show_page(int(settings.value("window/page", DASHBOARD, int)))

    # -- pages, built when first needed ---------------------------------------------------------
    @property
    def dashboard(self) -> DashboardPage:
        return cast("DashboardPage", self.page(DASHBOARD))

    @property
    def registration(self) -> RegistrationPage:
        return cast("RegistrationPage", self.page(REGISTRATION))

    @property
    def settings_page(self) -> SettingsPage:
        return cast("SettingsPage", self.page(SETTINGS))

    @property
    def figures_page(self) -> FiguresPage:
        return cast("FiguresPage", self.page(FIGURES))

    def is_built(self, index: int) -> bool:
        return index in self._pages

    def page(self, index: int) -> QWidget:
        """Page ``index``, built now if it was not yet (it takes the place of its stand-in)."""
        page = self._pages.get(index)
        if page is not None:
            return page
        page = self._pages[index] = self._build_page(index)
        stand_in, shown = self.stack.widget(index), self.stack.currentWidget()
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(stand_in)
        self.stack.setCurrentWidget(page if shown is stand_in else shown)
        stand_in.deleteLater()
        return page

    def _build_page(self, index: int) -> QWidget:
        if index == DASHBOARD:
            from xinfang_desk.ui.dashboard import DashboardPage

            dashboard = DashboardPage(self.runner, load=self._first_page_was_drawn)
            if not self._first_page_was_drawn:
                self._dashboard_waiting = dashboard  # its figures are read after the 台账's first page
            dashboard.set_unit_name(self.unit_name)
            dashboard.tile_activated.connect(self.show_cases)
            dashboard.case_opened.connect(self.open_case)
            return dashboard
        if index == REGISTRATION:
            from xinfang_desk.ui.registration import RegistrationPage

            registration = RegistrationPage(self.runner)
            registration.case_registered.connect(self._case_registered)
            return registration
        if index == SETTINGS:
            from xinfang_desk.ui.settings_page import SettingsPage

            return SettingsPage(self.runner, self.settings)
        if index == FIGURES:
            from xinfang_desk.ui.figures_page import FiguresPage

            figures = FiguresPage(self.runner)
            figures.set_unit_name(self.unit_name)
            figures.cases_requested.connect(self.show_cases)
            return figures
        raise ValueError(f"no page {index}")

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
        file_menu.addAction(self._action("备份台账…", self.safekeeping.save_copy))
        file_menu.addAction(self._action("从备份恢复…", self.safekeeping.restore))
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

        tools_menu = menus.addMenu("工具(&T)")
        tools_menu.addAction(self._action("审计日志…", self.open_audit_log))
        if self.runner.actor.user_id is not None:
            tools_menu.addAction(self._action("修改密码…", self.change_password))

        help_menu = menus.addMenu("帮助(&H)")
        help_menu.addAction(self._action("自检", self.self_test))
        help_menu.addAction(self._action("关于信访台账", self.about))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel("")
        self.unit_label = QLabel("")
        actor = self.runner.actor
        role = f"（{actor.role.label}）" if actor.role is not None else ""
        self.actor_label = QLabel(f"操作人：{actor}{role}")
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
        leaving = self.stack.currentIndex()
        if (
            leaving == SETTINGS
            and index != SETTINGS
            and self.is_built(SETTINGS)
            and self.settings_page.has_unsaved_changes()
        ):
            self.navigation.blockSignals(True)
            self.navigation.setCurrentRow(SETTINGS)  # stay until the user answers
            self.navigation.blockSignals(False)
            self._ask_about_unsaved_settings(index)
            return
        self._go(index)

    def _ask_about_unsaved_settings(self, then_page: int) -> None:
        """Leaving 设置 with changes not saved: 保存, 放弃修改, or stay (取消)."""
        if self.question is not None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question, "设置尚未保存", "设置的修改尚未保存。是否保存？", parent=self
        )
        save = box.addButton("保存", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("放弃修改", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(stay)

        def answered(_result: int) -> None:
            self.question = None
            clicked = box.clickedButton()
            if clicked is save:
                self.settings_page.save()
            elif clicked is discard:
                self.settings_page.reload()
            else:
                return
            self.navigation.blockSignals(True)
            self.navigation.setCurrentRow(then_page)
            self.navigation.blockSignals(False)
            self._go(then_page)

        box.finished.connect(answered)
        self.question = box
        box.open()

    def _go(self, index: int) -> None:
        """Show page ``index`` (nothing left to ask)."""
        self.page(index)
        self.stack.setCurrentIndex(index)
        self.settings.setValue("window/page", index)
        # On the 登记 page, Ctrl+N belongs to the form (new entry); elsewhere it opens the form.
        self.new_action.setShortcut(QKeySequence() if index == REGISTRATION else QKeySequence("Ctrl+N"))

    def new_registration(self) -> None:
        self.show_page(REGISTRATION)
        self.registration.ask_new_case()

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
        from xinfang_desk.ui.case_view import show_case

        show_case(self.runner, case_id)

    def export_ledger(self) -> ExportDialog:
        """导出台账 (Excel), in a window-modal dialog."""
        from xinfang_desk.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.runner, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_office_ledger(self) -> ExportDialog:
        """导出汇总台账: the school-wide workbook with figures per unit (office mode)."""
        from xinfang_desk.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.runner, self.settings, self, office=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def merge_ledgers(self) -> QWidget | None:
        """合并台账: the units' exported workbooks into this office ledger."""
        from xinfang_desk.ui.merge_dialog import open_merge_dialog

        return open_merge_dialog(self, self.runner)

    def import_ledger(self) -> QWidget:
        """导入台账: an existing Excel 台账 becomes cases with their history."""
        from xinfang_desk.ui.import_dialog import open_import_dialog

        return open_import_dialog(self, self.runner, self.settings)

    def print_assign_slips(self, case_ids: list[int]) -> None:
        """The 交办单 of the cases selected in the ledger, as one PDF in a print preview."""
        from xinfang_desk.export.documents.facts import DocumentKind
        from xinfang_desk.ui.pdf_preview import preview_documents

        preview_documents(self.runner, case_ids, DocumentKind.ASSIGN, self)

    def open_audit_log(self) -> QWidget:
        """审计日志 (管理员, 单位负责人: the operation refuses anyone else)."""
        from xinfang_desk.ui.audit_page import open_audit_window

        return open_audit_window(self.runner, self)

    def change_password(self) -> None:
        from xinfang_desk.ui.login_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.runner, required=False, parent=self)
        if dialog.exec() == ChangePasswordDialog.DialogCode.Accepted:
            self.statusBar().showMessage("密码已修改。", 5000)

    def refresh(self) -> None:
        self.runner.changed.emit(Changes(everything=True))

    def about(self) -> AboutDialog:
        from xinfang_desk.ui.about import AboutDialog

        dialog = AboutDialog(self.runner.ledger.path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def self_test(self) -> None:
        """帮助 → 自检: the program checked on this PC, in a temporary ledger (see ui/self_test.py)."""
        from xinfang_desk.ui.self_test import run_in_app

        run_in_app(self.runner, self)

    # -- after the first page ------------------------------------------------------------------
    def _after_first_page_drawn(self) -> None:
        """The other pages one event at a time (the dashboard's figures last), then the rest (the 台账
        page says its first rows were drawn once)."""
        self._first_page_was_drawn = True
        self.first_page_drawn.emit()
        self._load_unit()  # the unit's name in the title and status bar: read after the first rows
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # The wheel scrolls pages, never changes a value by accident.  Installed now, not before the
            # window shows: an application-wide Python event filter makes PySide create the Python types
            # of most of QtWidgets as the first events pass through it (about 0.1 s of the start-up).
            install_wheel_guard(app)
        waiting = list(BUILT_AFTER_FIRST_PAGE)

        def build_next() -> None:
            page = self.page(waiting.pop(0))
            if page is self._dashboard_waiting:
                self._dashboard_waiting = None
                cast("DashboardPage", page).refresh()
            if waiting:
                QTimer.singleShot(0, build_next)
            else:
                self.first_page_ready.emit()

        QTimer.singleShot(0, build_next)

    # -- ledger facts, changes, busy ------------------------------------------------------------
    def _load_unit(self) -> None:
        self.runner.call(ledger_facts, on_success=self._show_unit, write=False)

    def _show_unit(self, facts: LedgerFacts) -> None:
        self.unit_name = facts.unit_name
        code = facts.unit_code
        office = "（信访与督办室）" if facts.is_office else ""
        demo = "【演示】" if facts.is_demo else ""
        self.setWindowTitle(f"{demo}{self.unit_name}{office}")  # Qt adds " — 信访台账" (the display name)
        self.unit_label.setText(f"单位：{self.unit_name}（{code}）")
        if self.is_built(DASHBOARD):
            self.dashboard.set_unit_name(self.unit_name)
        if self.is_built(FIGURES):
            self.figures_page.set_unit_name(self.unit_name)

    def _on_changed(self, changes: Changes) -> None:
        if changes.reference or changes.everything:
            self._load_unit()

    def _busy_changed(self, busy: bool) -> None:
        self.busy_label.setText("正在处理…" if busy else "")

    def _case_registered(self, case_id: int) -> None:
        self.statusBar().showMessage("已登记新案件。", 5000)

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_built(REGISTRATION) and self.registration.has_unsaved_changes():
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
        case_view = sys.modules.get("xinfang_desk.ui.case_view")
        if case_view is None:
            return  # no case was opened (the module loads with the first case window)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, case_view.CaseView):
                widget.close()
