"""The mapping step of 导入台账: the file's columns beside the ledger's fields, with the first rows.

Each column of the file is a row here: its header, its first values, and the ledger field it goes to
(chosen automatically from the synonyms, changed by the user, or “不导入”).  Below, each field every
case needs that no column supplies can be given one value for all rows.  ``mapping()`` is what the
user set, as an ``ImportMapping``; the dialog remembers it for the next file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.exchange.columns import COLUMNS_BY_HEADER, IMPORT_REQUIRED
from xinfang_desk.export.exchange.import_mapping import USER_FIELDS, ImportMapping, Preview

#: The choice of a column that is not imported.
NOT_IMPORTED = "（不导入）"
_EXAMPLES = 3


def _shown(value: Any) -> str:
    if value in ("", None):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 16 else text[:16] + "…"


class MappingView(QWidget):
    """The file's columns, their examples and the ledger field each goes to; one value for missing fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("选择文件后，这里列出文件中的各列和前几行，并自动对应到台账的列；可逐列修改。")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["文件中的列", "前几行", "对应台账的列"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.fixed_box = QGroupBox("文件中没有的列：为所有行填同一值")
        self.fixed_form = QFormLayout(self.fixed_box)
        self.fixed: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.fixed_box)
        self.fixed_box.setVisible(False)
        self._base = ImportMapping()
        self._sources: list[str] = []

    def show_preview(self, preview: Preview, remembered: ImportMapping) -> None:
        """Fill the table from ``preview`` (planned under ``remembered``)."""
        self._base = remembered
        plan = preview.plan
        target_of = {position: header for header, position in plan.mapped.items()}
        self._sources = [written for _position, written in plan.sources]
        self.table.setRowCount(len(plan.sources))
        for row, (position, written) in enumerate(plan.sources):
            self.table.setItem(row, 0, QTableWidgetItem(written))
            examples = [_shown(r[position]) for r in preview.rows[:_EXAMPLES] if position < len(r)]
            self.table.setItem(row, 1, QTableWidgetItem("；".join(e for e in examples if e)))
            choice = QComboBox()
            choice.addItems([NOT_IMPORTED, *USER_FIELDS])
            choice.setCurrentText(target_of.get(position, NOT_IMPORTED))
            choice.currentTextChanged.connect(self._update_fixed)
            self.table.setCellWidget(row, 2, choice)
        self.summary.setText(
            f"工作表“{plan.sheet_name}”，表头在第 {plan.header_row} 行"
            + (f"，其上 {len(plan.titles)} 行标题不导入" if plan.titles else "")
            + "。请核对每一列对应的台账列。"
        )
        self._update_fixed()

    def _chosen(self) -> dict[str, str]:
        """file header → ledger field chosen (“不导入” left out)."""
        chosen = {}
        for row, source in enumerate(self._sources):
            combo = self.table.cellWidget(row, 2)
            if isinstance(combo, QComboBox) and combo.currentText() != NOT_IMPORTED:
                chosen.setdefault(source, combo.currentText())
        return chosen

    def _update_fixed(self, *_args: object) -> None:
        mapped = set(self._chosen().values())
        missing = [h for h in IMPORT_REQUIRED if h not in mapped]
        for header in list(self.fixed):
            if header not in missing:
                self.fixed_form.removeRow(self.fixed.pop(header))
        for header in missing:
            if header in self.fixed:
                continue
            combo = QComboBox()
            combo.setEditable(True)
            vocab = COLUMNS_BY_HEADER[header].vocab
            combo.addItems(["", *(vocab.labels() if vocab is not None else [])])
            combo.setCurrentText(self._base.fixed.get(header, ""))
            self.fixed[header] = combo
            self.fixed_form.addRow(f"{header}：", combo)
        self.fixed_box.setVisible(bool(self.fixed))

    def missing(self) -> list[str]:
        """Fields every case needs that neither a column nor a value for all rows gives."""
        return [h for h, combo in self.fixed.items() if not combo.currentText().strip()]

    def mapping(self) -> ImportMapping:
        """What the user set here, over the remembered value words."""
        chosen = self._chosen()
        mapping = ImportMapping(values=dict(self._base.values))
        mapping.columns = {source: target for source, target in chosen.items() if source != target}
        mapping.ignored = {source for source in self._sources if source not in chosen}
        mapping.fixed = {
            h: combo.currentText().strip() for h, combo in self.fixed.items() if combo.currentText().strip()
        }
        return mapping
