"""Chart widgets of the 统计分析 page (Qt Charts): pies and bars whose every slice and bar opens its cases.

Each chart is built from ``ChartElement``s (label, count, the ``CaseFilter`` of exactly the cases
counted), so hovering shows the value and a click announces ``element_clicked(title, filter)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QPieSeries,
    QPieSlice,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from xinfang_desk.ledger.figure_table import CHART_COLOURS, ChartElement


def _element_text(element: ChartElement) -> str:
    share = f"（{element.share:.1f}%）" if element.share is not None else ""
    return f"{element.label}：{element.count:,} 件{share}"


class ChartPanel(QChartView):
    """A chart whose elements are clickable: ``element_clicked(title, case_filter)``."""

    element_clicked = Signal(str, object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.chart_ = QChart()
        self.chart_.setTitle(title)
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.setChart(self.chart_)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(420, 300)
        #: what each clickable element shows, in the order ``click`` counts them
        self.elements: list[ChartElement] = []

    def clear(self) -> None:
        self.chart_.removeAllSeries()
        for axis in self.chart_.axes():
            self.chart_.removeAxis(axis)
        self.elements = []

    def click(self, index: int) -> None:
        """Act as if element ``index`` was clicked."""
        element = self.elements[index]
        self.element_clicked.emit(f"{self.title} · {element.label}", element.case_filter)

    def _hover(self, element: ChartElement, state: bool) -> None:
        if state:
            QToolTip.showText(QCursor.pos(), _element_text(element) + "\n点击在台账中查看这些案件", self)
        else:
            QToolTip.hideText()

    # -- kinds of chart -------------------------------------------------------------------------
    def show_pie(self, elements: Sequence[ChartElement]) -> None:
        self.clear()
        series = QPieSeries()
        series.setHoleSize(0.35)
        shown = [e for e in elements if e.count]
        for position, element in enumerate(shown):
            pie_slice = QPieSlice(f"{element.label} {element.count}", element.count)
            pie_slice.setColor(QColor(CHART_COLOURS[position % len(CHART_COLOURS)]))
            pie_slice.setLabelVisible(True)
            pie_slice.hovered.connect(lambda state, e=element: self._hover(e, state))
            index = len(self.elements)
            pie_slice.clicked.connect(lambda i=index: self.click(i))
            series.append(pie_slice)
            self.elements.append(element)
        self.chart_.addSeries(series)
        self.chart_.legend().setVisible(False)
        if not shown:
            self.chart_.setTitle(f"{self.title}（本期无数据）")
        else:
            self.chart_.setTitle(self.title)

    def show_bars(
        self,
        categories: Sequence[str],
        sets: Sequence[tuple[str, Sequence[ChartElement | None]]],
        *,
        horizontal_stacked: bool = False,
        categories_title: str = "",
    ) -> None:
        """Bars: one ``QBarSet`` per (name, elements by category); ``None`` draws an empty bar;
        ``categories_title`` names the categories' axis (e.g. 月 under 1 … 12)."""
        self.clear()
        series = QHorizontalStackedBarSeries() if horizontal_stacked else QBarSeries()
        for position, (name, elements) in enumerate(sets):
            bar_set = QBarSet(name)
            bar_set.setColor(QColor(CHART_COLOURS[position % len(CHART_COLOURS)]))
            first = len(self.elements)
            for element in elements:
                bar_set.append(element.count if element is not None else 0)
            self.elements.extend(e for e in elements if e is not None)
            index_of = {}
            for category_index, element in enumerate(elements):
                if element is not None:
                    index_of[category_index] = first + len(index_of)
            bar_set.hovered.connect(
                lambda state, i, m=index_of: state and i in m and self._hover(self.elements[m[i]], True)
            )
            bar_set.clicked.connect(lambda i, m=index_of: i in m and self.click(m[i]))
            series.append(bar_set)
        self.chart_.addSeries(series)
        axis = QBarCategoryAxis()
        axis.append(list(categories))
        axis.setTitleText(categories_title)
        values = QValueAxis()
        values.setLabelFormat("%d")
        if horizontal_stacked:
            self.chart_.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
            self.chart_.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        else:
            self.chart_.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
            self.chart_.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis)
        series.attachAxis(values)
        values.applyNiceNumbers()
        self.chart_.legend().setVisible(len(sets) > 1)
        self.chart_.setTitle(self.title)
