"""The 设置 page: unit, time-limit rules, reminders, handling departments, problem categories, holidays,
where this computer keeps the automatic backups (``ui.backup_settings``) and which ledger it opens
(``ui.ledger_place``: a file or a server address).

Every value shown comes from ``ledger.settings``' declarations (rules and general settings are built
from ``DEADLINE_RULES`` and ``GENERAL``, not listed again here).  Every change runs on the database
worker and announces ``Changes(reference=True)`` so the other pages reload their choices.  Years
without official holiday data are warned about (their deadlines are estimated); the office enters
them in the 节假日 box (``ui.calendar_editor``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.administration import (
    CategoryItem,
    SettingsSnapshot,
    add_category,
    add_department,
    load_snapshot,
    save_category,
    save_settings,
    set_department_active,
)
from xinfang_desk.ledger.settings import DEADLINE_RULES, GENERAL, DeadlineRule
from xinfang_desk.ui.backup_settings import BackupSettings
from xinfang_desk.ui.calendar_editor import CalendarEditor
from xinfang_desk.ui.ledger_place import LedgerPlaceSettings
from xinfang_desk.ui.ops import Changes, OpRunner, show_error

DAY_KINDS = (("calendar", "日（自然日）"), ("workday", "工作日"))


# -- the page --------------------------------------------------------------------------------------
def _section(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(8)
    return box, layout


class SettingsPage(QWidget):
    """设置."""

    #: The snapshot on screen was (re)loaded.
    loaded = Signal(object)
    #: A change was saved.
    saved = Signal()

    def __init__(
        self, runner: OpRunner, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.snapshot: SettingsSnapshot | None = None
        #: What was last loaded or saved, to tell unsaved edits (None until loaded).
        self._baseline: tuple[Any, ...] | None = None
        self._stale = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 10)
        title = QLabel("设置")
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll, 1)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setSpacing(12)

        self.calendar_warning = QLabel()
        self.calendar_warning.setObjectName("warning")
        self.calendar_warning.setWordWrap(True)
        self.calendar_warning.hide()
        self.body.addWidget(self.calendar_warning)

        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.body.addLayout(columns)
        left.addWidget(self._build_unit())
        left.addWidget(self._build_rules())
        left.addWidget(self._build_general())
        left.addLayout(self._build_save_row())
        #: this computer's backup place and count (app settings, not the ledger's); None without them
        self.backups: BackupSettings | None = None
        if settings is not None:
            self.backups = BackupSettings(settings, lambda: runner.ledger.path)
            left.addWidget(self.backups)
            self.ledger_place = LedgerPlaceSettings(settings, runner.ledger.location_key)
            left.addWidget(self.ledger_place)
        left.addStretch(1)
        right.addWidget(self._build_departments())
        right.addWidget(self._build_categories(), 1)
        self.calendar_editor = CalendarEditor(runner)
        self.calendar_editor.saved.connect(lambda _text: self.reload())
        self.body.addWidget(self.calendar_editor)

        runner.changed.connect(self._on_changed)
        self.reload()

    # -- building -----------------------------------------------------------------------------
    def _build_unit(self) -> QGroupBox:
        box, layout = _section("单位信息")
        form = QFormLayout()
        self.unit_name = QLineEdit()
        self.unit_code = QLabel()
        self.unit_code.setToolTip("单位代码用于案件编号，创建台账后不能更改。")
        self.office_label = QLabel()
        form.addRow("单位名称", self.unit_name)
        form.addRow("单位代码", self.unit_code)
        form.addRow("台账类型", self.office_label)
        layout.addLayout(form)
        return box

    def _build_rules(self) -> QGroupBox:
        box, layout = _section("办理期限规则")
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        self.rule_days: dict[str, QSpinBox] = {}
        self.rule_kinds: dict[str, QComboBox] = {}
        for row, (key, spec) in enumerate(DEADLINE_RULES.items()):
            label = QLabel(spec.description)
            label.setWordWrap(True)
            days = QSpinBox()
            days.setRange(spec.minimum, spec.maximum)
            kind = QComboBox()
            for code, text in DAY_KINDS:
                kind.addItem(text, code)
            label.setBuddy(days)
            grid.addWidget(label, row, 0)
            grid.addWidget(days, row, 1)
            grid.addWidget(kind, row, 2)
            self.rule_days[key], self.rule_kinds[key] = days, kind
        layout.addLayout(grid)
        note = QLabel(
            "“日”按自然日计算，期满日遇法定节假日顺延至其后第一个工作日；“工作日”按国家节假日和调休安排计算。"
        )
        note.setObjectName("pageSubtitle")
        note.setWordWrap(True)
        layout.addWidget(note)
        return box

    def _build_general(self) -> QGroupBox:
        box, layout = _section("提醒与其他")
        form = QFormLayout()
        self.general_inputs: dict[str, QSpinBox | QCheckBox] = {}
        for key, spec in GENERAL.items():
            if isinstance(spec.default, bool):
                widget: QSpinBox | QCheckBox = QCheckBox()
            else:
                widget = QSpinBox()
                widget.setRange(spec.minimum, spec.maximum)
                widget.setSuffix(f" {spec.unit}")
            form.addRow(spec.description, widget)
            self.general_inputs[key] = widget
        layout.addLayout(form)
        return box

    def _build_save_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.message = QLabel()
        self.message.setObjectName("pageSubtitle")
        self.revert_button = QPushButton("撤销修改")
        self.revert_button.clicked.connect(self.reload)
        self.save_button = QPushButton("保存设置")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.message, 1)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        return row

    def _build_departments(self) -> QGroupBox:
        box, layout = _section("承办单位")
        self.department_list = QListWidget()
        self.department_list.setMinimumHeight(160)
        self.department_list.itemChanged.connect(self._department_toggled)
        layout.addWidget(self.department_list)
        add_row = QHBoxLayout()
        self.new_department = QLineEdit()
        self.new_department.setPlaceholderText("新承办单位名称")
        self.new_department.returnPressed.connect(self.add_department)
        add_button = QPushButton("添加")
        add_button.clicked.connect(self.add_department)
        add_row.addWidget(self.new_department, 1)
        add_row.addWidget(add_button)
        layout.addLayout(add_row)
        hint = QLabel("取消勾选即停用：停用的单位不再出现在交办选项中，历史案件不受影响。")
        hint.setObjectName("pageSubtitle")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        return box

    def _build_categories(self) -> QGroupBox:
        box, layout = _section("问题类别")
        self.category_tree = QTreeWidget()
        self.category_tree.setHeaderLabels(["类别", "默认期限", "默认承办单位", "状态"])
        for column, width in enumerate((150, 115, 165)):
            self.category_tree.setColumnWidth(column, width)
        self.category_tree.setMinimumHeight(220)
        self.category_tree.currentItemChanged.connect(self._category_selected)
        layout.addWidget(self.category_tree, 1)

        form = QFormLayout()
        self.category_name = QLabel("（请在上方选择类别）")
        self.category_days = QSpinBox()
        self.category_days.setRange(0, 365)
        self.category_days.setSpecialValueText("按通用规则")
        self.category_days.setSuffix(" 日")
        self.category_department = QComboBox()
        self.category_active = QCheckBox("启用")
        form.addRow("类别", self.category_name)
        form.addRow("默认办理期限", self.category_days)
        form.addRow("默认承办单位", self.category_department)
        form.addRow("", self.category_active)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        add_top = QPushButton("新增类别…")
        add_top.clicked.connect(lambda: self.add_category(sub=False))
        add_sub = QPushButton("新增子类别…")
        add_sub.clicked.connect(lambda: self.add_category(sub=True))
        self.save_category_button = QPushButton("保存类别")
        self.save_category_button.clicked.connect(self.save_category)
        self.save_category_button.setEnabled(False)
        buttons.addWidget(add_top)
        buttons.addWidget(add_sub)
        buttons.addStretch(1)
        buttons.addWidget(self.save_category_button)
        layout.addLayout(buttons)
        self._category_selected(None)
        return box

    # -- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        self.runner.call(load_snapshot, on_success=self._show, owner=self)

    def _show(self, snapshot: SettingsSnapshot) -> None:
        self.snapshot = snapshot
        self.unit_name.setText(snapshot.unit_name)
        self.unit_code.setText(snapshot.unit_code)
        self.office_label.setText("信访与督办室（汇总全校台账）" if snapshot.office else "二级单位台账")
        for key, rule in snapshot.rules.items():
            self.rule_days[key].setValue(rule.days)
            self.rule_kinds[key].setCurrentIndex(self.rule_kinds[key].findData(rule.kind))
        for key, value in snapshot.general.items():
            widget = self.general_inputs[key]
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            else:
                widget.setValue(int(value))
        self._baseline = self._comparable()
        self._show_departments(snapshot)
        self._show_categories(snapshot)
        if snapshot.uncovered_years:
            years = "、".join(f"{y}年" for y in snapshot.uncovered_years)
            self.calendar_warning.setText(
                f"节假日提示：{years}的放假和调休安排尚未收录（官方库未收录，本单位未录入），"
                "延伸到这些年份的期限按法定节假日估算（不含调休），标注“估算”。"
                "国务院办公厅通知发布后，请在下方“节假日”中录入，在办案件的期限会自动重算。"
            )
            self.calendar_warning.show()
        else:
            self.calendar_warning.hide()
        self.loaded.emit(snapshot)

    def _show_departments(self, snapshot: SettingsSnapshot) -> None:
        self.department_list.blockSignals(True)
        self.department_list.clear()
        for dept in snapshot.departments:
            item = QListWidgetItem(dept.name if dept.active else f"{dept.name}（已停用）")
            item.setData(Qt.ItemDataRole.UserRole, dept.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if dept.active else Qt.CheckState.Unchecked)
            self.department_list.addItem(item)
        self.department_list.blockSignals(False)
        self.category_department.clear()
        self.category_department.addItem("（不指定）", "")
        for dept in snapshot.departments:
            if dept.active:
                self.category_department.addItem(dept.name, dept.name)

    def _show_categories(self, snapshot: SettingsSnapshot) -> None:
        current = self.category_tree.currentItem()
        keep = current.data(0, Qt.ItemDataRole.UserRole) if current else None
        self.category_tree.clear()
        items: dict[int, QTreeWidgetItem] = {}
        by_id = {c.id: c for c in snapshot.categories}
        for cat in sorted(snapshot.categories, key=lambda c: c.parent_id is not None):
            parent = items.get(cat.parent_id) if cat.parent_id else None
            top = by_id.get(cat.parent_id) if cat.parent_id else None
            if cat.deadline_days:
                days = f"{cat.deadline_days} 日"
            elif top is not None and top.deadline_days:
                days = f"随上级（{top.deadline_days} 日）"
            else:
                days = "按通用规则"
            if cat.department:
                department = cat.department
            elif top is not None and top.department:
                department = f"随上级（{top.department}）"
            else:
                department = "—"
            item = QTreeWidgetItem([cat.name, days, department, "启用" if cat.active else "已停用"])
            item.setData(0, Qt.ItemDataRole.UserRole, cat.id)
            if parent is None:
                self.category_tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[cat.id] = item
        self.category_tree.expandAll()
        if keep in items:
            self.category_tree.setCurrentItem(items[keep])

    def _category(self, category_id: int | None) -> CategoryItem | None:
        if self.snapshot is None or category_id is None:
            return None
        return next((c for c in self.snapshot.categories if c.id == category_id), None)

    def _category_selected(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        cat = self._category(item.data(0, Qt.ItemDataRole.UserRole) if item else None)
        for widget in (self.category_days, self.category_department, self.category_active):
            widget.setEnabled(cat is not None)
        self.save_category_button.setEnabled(cat is not None)
        if cat is None:
            return
        self.category_name.setText(cat.name)
        self.category_days.setValue(cat.deadline_days or 0)
        index = self.category_department.findData(cat.department)
        if index < 0:
            self.category_department.addItem(cat.department, cat.department)
            index = self.category_department.count() - 1
        self.category_department.setCurrentIndex(index)
        self.category_active.setChecked(cat.active)

    # -- saving -------------------------------------------------------------------------------
    def _run(self, fn: Any, done_text: str, then: Any = None) -> None:
        def succeeded(result: Any) -> None:
            if then is not None:
                then(result)
            self.message.setText(done_text)
            self.saved.emit()

        def failed(error: BaseException) -> None:
            self.message.setText("")
            show_error(self, error)

        self.runner.run(fn, on_success=succeeded, on_failure=failed)

    def _entered(self) -> tuple[str, dict[str, DeadlineRule], dict[str, Any]]:
        """The unit name, deadline rules and general settings as now entered on the page."""
        rules = {
            key: DeadlineRule(self.rule_days[key].value(), self.rule_kinds[key].currentData())
            for key in DEADLINE_RULES
        }
        general = {
            key: (widget.isChecked() if isinstance(widget, QCheckBox) else widget.value())
            for key, widget in self.general_inputs.items()
        }
        return self.unit_name.text(), rules, general

    def _comparable(self) -> tuple[Any, ...]:
        name, rules, general = self._entered()
        return name.strip(), {k: (r.days, r.kind) for k, r in rules.items()}, general

    def has_unsaved_changes(self) -> bool:
        """Whether the unit name, a deadline rule or a general setting was changed and not saved."""
        return self._baseline is not None and self._comparable() != self._baseline

    def save(self) -> None:
        name, rules, general = self._entered()
        entered = self._comparable()

        def saved(_result: Any) -> None:
            self._baseline = entered

        self._run(lambda ctx, _p: save_settings(ctx, name, rules, general), "设置已保存。", saved)

    def add_department(self) -> None:
        name = self.new_department.text()
        self.new_department.clear()
        self._run(lambda ctx, _p: add_department(ctx, name), f"已添加承办单位“{name.strip()}”。")

    def _department_toggled(self, item: QListWidgetItem) -> None:
        dept_id = int(item.data(Qt.ItemDataRole.UserRole))
        active = item.checkState() == Qt.CheckState.Checked
        self._run(
            lambda ctx, _p: set_department_active(ctx, dept_id, active),
            "已启用承办单位。" if active else "已停用承办单位。",
        )

    def add_category(self, *, sub: bool) -> None:
        parent_id: int | None = None
        if sub:
            item = self.category_tree.currentItem()
            if item is None:
                self.message.setText("请先在问题类别中选择上级类别。")
                return
            top = item.parent() or item
            parent_id = int(top.data(0, Qt.ItemDataRole.UserRole))
        title = "新增子类别" if sub else "新增类别"
        name, ok = QInputDialog.getText(self, title, "类别名称：")
        if ok and name.strip():
            self._run(lambda ctx, _p: add_category(ctx, name, parent_id), f"已新增类别“{name.strip()}”。")

    def save_category(self) -> None:
        item = self.category_tree.currentItem()
        if item is None:
            return
        category_id = int(item.data(0, Qt.ItemDataRole.UserRole))
        days = self.category_days.value() or None
        department = self.category_department.currentData() or ""
        active = self.category_active.isChecked()
        self._run(lambda ctx, _p: save_category(ctx, category_id, days, department, active), "类别已保存。")

    # -- changes ------------------------------------------------------------------------------
    def _on_changed(self, changes: Changes) -> None:
        if not (changes.reference or changes.everything):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()
