"""年度统计报告 (PDF): the table of figures with 同比, the charts, and the lists the office asks for.

The table is ``figure_table.figure_rows`` — the same rows as the 统计分析 page and the Excel export —
and the charts are drawn with reportlab graphics from the same ``Figures``.  The lists: overdue
cases, repeat petitioners (masked names), and handling departments ranked by on-time closure.  The
unit's name and the period stand in the title.  Fonts are the embedded CJK fonts of the slips.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from xinfang_desk import __version__
from xinfang_desk.export.documents.annual_facts import AnnualReportFacts, gather_annual_facts
from xinfang_desk.export.documents.fonts import TextMarkup, pdf_fonts
from xinfang_desk.ledger.figure_table import (
    CHART_COLOURS,
    FIGURE_TABLE_HEADINGS,
    ChartElement,
    category_elements,
    channel_elements,
    figure_rows,
    month_elements,
    outcome_elements,
    satisfaction_elements,
)
from xinfang_desk.ledger.figures import Figures

_GRID = colors.HexColor("#9aa3af")
_HEAD = colors.HexColor("#ddebf7")


@dataclass(frozen=True)
class AnnualReport:
    """The report's PDF in memory, and what to call it."""

    data: bytes
    title: str
    file_name: str
    pages: int


def annual_report_pdf(facts: AnnualReportFacts) -> AnnualReport:
    """Lay the gathered facts out as the report's PDF, in memory (needs no ledger)."""
    buffer = io.BytesIO()
    pages = render_annual_report(buffer, facts)
    return AnnualReport(buffer.getvalue(), facts.title, f"{facts.title}.pdf", pages)


def make_annual_report(
    session: Session, start: date, end: date, *, unit_code: str | None = None, today: date | None = None
) -> AnnualReport:
    """Gather the period's facts (one unit or all) and render the report, in one go."""
    return annual_report_pdf(gather_annual_facts(session, start, end, unit_code=unit_code, today=today))


def render_annual_report(target: io.BytesIO, facts: AnnualReportFacts) -> int:
    """Write the report to ``target``; returns the number of pages."""
    title, figures, overdue, repeaters, today = (
        facts.title,
        facts.figures,
        facts.overdue,
        facts.repeaters,
        facts.today,
    )
    font = pdf_fonts().primary.name
    markup = TextMarkup()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=13, leading=20, spaceBefore=10, spaceAfter=6)
    title_style = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12)
    story: list = [
        Paragraph(markup(title), title_style),
        Paragraph(
            markup(
                f"统计期间：{figures.start:%Y年%m月%d日}至{figures.end:%Y年%m月%d日}（按收件日期）"
                f"　生成日期：{today:%Y年%m月%d日}"
            ),
            ParagraphStyle("sub", parent=body, alignment=TA_CENTER),
        ),
        Spacer(1, 0.4 * cm),
        Paragraph("一、主要指标", heading),
    ]
    rows = figure_rows(figures)
    table = [list(FIGURE_TABLE_HEADINGS)] + [
        [r.label, r.value_text, r.last_text, r.change_text] for r in rows
    ]
    story.append(_table(table, font, (7.5 * cm, 3 * cm, 3 * cm, 3.5 * cm)))
    story.append(
        Paragraph(markup("注：同比一栏，件数为增减百分比，比率为增减百分点。各指标口径见统计分析页。"), small)
    )

    story.append(Paragraph("二、图表", heading))
    charts = [
        _pie("类别占比（受理事项）", category_elements(figures), font),
        _pie("信访形式", channel_elements(figures), font),
        _month_bars(figures, font),
        _pie("处理结果（三到位一处理）", outcome_elements(figures), font),
        _pie("回访满意度", satisfaction_elements(figures), font),
        _department_bars(figures, font),
    ]
    for first, second in zip(charts[::2], charts[1::2], strict=True):
        pair = Table([[first, second]], colWidths=(8.3 * cm, 8.3 * cm))
        pair.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font)]))  # no cell starts in Helvetica
        story.append(KeepTogether(pair))

    story.append(Paragraph("三、超期未办结事项", heading))
    if overdue:
        table = [["案件编号", "收件日期", "问题类别", "承办单位", "办理期限", "超期天数"]] + [
            [
                o.case_no,
                o.received_on.isoformat(),
                o.category,
                o.department,
                o.due_on.isoformat(),
                str(o.days_overdue),
            ]
            for o in overdue
        ]
        story.append(_table(table, font, (3.6 * cm, 2.3 * cm, 3 * cm, 3.3 * cm, 2.3 * cm, 2 * cm)))
    else:
        story.append(Paragraph("统计期间收到的事项中，目前没有超期未办结的。", body))

    story.append(Paragraph("四、重复信访人", heading))
    if repeaters:
        table = [["信访人", "件数", "其中重复访", "案件编号"]] + [
            [r.name, str(r.cases), str(r.repeats), Paragraph(markup("、".join(r.case_nos)), small)]
            for r in repeaters
        ]
        story.append(_table(table, font, (2.5 * cm, 1.6 * cm, 2.2 * cm, 10.2 * cm)))
    else:
        story.append(Paragraph("统计期间没有重复信访。", body))

    story.append(Paragraph("五、承办单位按期办结率排名", heading))
    ranking = list(figures.department_closure.items())
    if ranking:
        table = [["名次", "承办单位", "办结", "按期办结", "按期办结率"]] + [
            [str(rank), name, str(c.closed), str(c.on_time), f"{c.on_time_pct:.1f}%"]
            for rank, (name, c) in enumerate(ranking, 1)
        ]
        story.append(_table(table, font, (1.5 * cm, 6.5 * cm, 2.5 * cm, 2.5 * cm, 3 * cm)))
    else:
        story.append(Paragraph("统计期间没有已办结的交办事项。", body))

    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=title,
        creator=f"xinfang-desk {__version__}",
        initialFontName=font,  # every page starts in the embedded font: no Helvetica declared
    )

    def page_number(canvas, doc_) -> None:  # noqa: ANN001 (reportlab callback)
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, f"第 {doc_.page} 页")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return doc.page


def _table(rows: list[list], font: str, widths: tuple[float, ...]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _drawing(title: str, font: str) -> Drawing:
    drawing = Drawing(8 * cm, 6.4 * cm)
    drawing.initialFontName = font  # the renderer starts in the embedded font, not in Helvetica
    drawing.add(String(4 * cm, 6 * cm, title, fontName=font, fontSize=10, textAnchor="middle"))
    return drawing


def _pie(title: str, elements: list[ChartElement], font: str) -> Drawing:
    drawing = _drawing(title, font)
    shown = [e for e in elements if e.count]
    if not shown:
        drawing.add(String(4 * cm, 3 * cm, "本期无数据", fontName=font, fontSize=9, textAnchor="middle"))
        return drawing
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 0.4 * cm, 1.0 * cm, 4.2 * cm, 4.2 * cm
    pie.data = [e.count for e in shown]
    pie.labels = None
    for index in range(len(shown)):
        pie.slices[index].fillColor = colors.HexColor(CHART_COLOURS[index % len(CHART_COLOURS)])
        pie.slices[index].strokeColor = colors.white
    drawing.add(pie)
    legend = Legend()
    legend.x, legend.y = 5.0 * cm, 5.2 * cm
    legend.fontName, legend.fontSize = font, 7.5
    legend.alignment = "right"
    legend.columnMaximum = 8
    legend.colorNamePairs = [
        (colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)]), f"{e.label} {e.count}")
        for i, e in enumerate(shown)
    ]
    drawing.add(legend)
    return drawing


def _month_bars(figures: Figures, font: str) -> Drawing:
    drawing = _drawing("各月登记量：本期与上年同期", font)
    months = month_elements(figures)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 1.0 * cm, 1.2 * cm, 6.6 * cm, 4.2 * cm
    chart.data = [
        [e.count if e else 0 for _m, e, _l in months],
        [e.count if e else 0 for _m, _t, e in months],
    ]
    chart.categoryAxis.categoryNames = [str(m) for m, _t, _l in months]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor(CHART_COLOURS[0])
    chart.bars[1].fillColor = colors.HexColor(CHART_COLOURS[1])
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 1.0 * cm, 0.5 * cm
    legend.fontName, legend.fontSize = font, 7.5
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (colors.HexColor(CHART_COLOURS[0]), f"{figures.start.year}年"),
        (colors.HexColor(CHART_COLOURS[1]), f"{figures.start.year - 1}年"),
    ]
    drawing.add(legend)
    return drawing


def _department_bars(figures: Figures, font: str) -> Drawing:
    drawing = _drawing("各承办单位按期办结率（%）", font)
    ranking = list(figures.department_closure.items())[:10]
    if not ranking:
        drawing.add(String(4 * cm, 3 * cm, "本期无数据", fontName=font, fontSize=9, textAnchor="middle"))
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 3.2 * cm, 0.4 * cm, 4.4 * cm, 5.2 * cm
    chart.data = [[c.on_time_pct or 0 for _n, c in reversed(ranking)]]
    chart.categoryAxis.categoryNames = [name for name, _c in reversed(ranking)]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.bars[0].fillColor = colors.HexColor(CHART_COLOURS[2])
    drawing.add(chart)
    return drawing
