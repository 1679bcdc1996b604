"""The page layouts of the printed documents: 交办单 and 督办单 as ruled forms, the notices as letters.

Each ``*_flowables`` function turns one ``DocumentFacts`` into reportlab flowables for an A4 page
(text area 158 × 252 mm).  Text that may be long goes through ``TextMarkup`` (fallback fonts,
escaping) into Paragraphs with CJK line breaking, so it wraps inside its box.  Short text that fits
on one line in the primary font is drawn as a plain string, and a form is drawn straight on the
canvas (``DrawnForm``: the texts and lines reportlab's table would draw, at the same places, its lines
worked out once for each size of form), which keeps a batch of 1,000 交办单 fast.  A text of many
lines (its line breaks and wrapped lines counted) is cut into pieces of ``CHUNK_LINES`` lines, one
form row each, so a form that cannot fit on one page breaks cleanly between rows and carries on on
the next.  ``Scale`` chooses the normal or the
compact size: the renderer tries the normal one and falls back to the compact one when a document
would not fit on one page.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as reportlab_paragraph

from xinfang_desk.export.documents.facts import DocumentFacts, DocumentKind, chinese_date
from xinfang_desk.export.documents.fonts import TextMarkup

PAGE_MARGIN_X = 2.6 * cm
PAGE_MARGIN_TOP = 2.5 * cm
PAGE_MARGIN_BOTTOM = 2.0 * cm
CELL_PADDING = 5.0
TOP_PADDING = CELL_PADDING
BOTTOM_PADDING = CELL_PADDING + 1
#: The forms' rules and their frame, in points.
RULE = 0.8
FRAME_RULE = 1.4
#: The form's columns holding labels (centred); values are set flush left.
LABEL_COLUMNS = (0, 2)


@dataclass(frozen=True)
class Scale:
    """Type sizes and box heights of one rendering."""

    body: float
    title: float
    result_box: float
    signature_box: float


NORMAL = Scale(body=11.0, title=22.0, result_box=7.0 * cm, signature_box=1.6 * cm)
COMPACT = Scale(body=9.0, title=18.0, result_box=3.5 * cm, signature_box=1.2 * cm)


class Styles:
    """The paragraph styles of one scale, in the registered CJK font."""

    def __init__(self, font: str, scale: Scale) -> None:
        size = scale.body
        self.font = font
        self.scale = scale
        base = ParagraphStyle(
            "body", fontName=font, fontSize=size, leading=size * 1.45, wordWrap="CJK", alignment=TA_LEFT
        )
        self.body = base
        self.label = ParagraphStyle("label", parent=base, alignment=TA_CENTER)
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=scale.title, leading=scale.title * 1.3, alignment=TA_CENTER
        )
        self.number = ParagraphStyle("number", parent=base, fontSize=size + 1, alignment=TA_RIGHT)
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
        self.letter = ParagraphStyle(
            "letter", parent=base, fontSize=size + 2, leading=(size + 2) * 1.8, firstLineIndent=2 * (size + 2)
        )
        self.salutation = ParagraphStyle("salutation", parent=self.letter, firstLineIndent=0)
        self.signature = ParagraphStyle(
            "signature", parent=self.letter, firstLineIndent=0, alignment=TA_RIGHT
        )
        self.note = ParagraphStyle("note", parent=base, fontSize=size - 1.5, leading=(size - 1.5) * 1.45)


class OneLine(Flowable):
    """A single line of text in the primary font, aligned in the frame (cheaper than a Paragraph)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.style.leading

    def draw(self) -> None:
        style = self.style
        self.canv.setFont(style.fontName, style.fontSize)
        y = self.style.leading - style.fontSize
        if style.alignment == TA_CENTER:
            self.canv.drawCentredString(self.width / 2, y, self.text)
        elif style.alignment == TA_RIGHT:
            self.canv.drawRightString(self.width, y, self.text)
        else:
            self.canv.drawString(0, y, self.text)


class FixedLines(Flowable):
    """Lines broken once and drawn as strings: for the fixed notes printed on every document."""

    def __init__(self, lines: tuple[str, ...], style: ParagraphStyle) -> None:
        super().__init__()
        self.lines = lines
        self.style = style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return available_width, len(self.lines) * self.style.leading

    def draw(self) -> None:
        style = self.style
        self.canv.setFont(style.fontName, style.fontSize)
        y = len(self.lines) * style.leading - style.fontSize
        for line in self.lines:
            self.canv.drawString(0, y, line)
            y -= style.leading


class Stack(Flowable):
    """Flowables drawn one below the other that never part: the whole block moves to the next page."""

    def __init__(self, items: list[Flowable]) -> None:
        super().__init__()
        self.items = items
        self._heights: list[float] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._heights = [item.wrapOn(self.canv, available_width, available_height)[1] for item in self.items]
        self.width = available_width
        return available_width, sum(self._heights)

    def draw(self) -> None:
        y = sum(self._heights)
        for item, height in zip(self.items, self._heights, strict=True):
            y -= height
            item.drawOn(self.canv, 0, y)


#: Characters no line may start with (Chinese line-breaking rules, 禁则): closing quotes and
#: brackets, commas and stops.  Such a character hangs at the end of the line before instead.
CANNOT_START = "，。、；：？！）》」』】〕］｝”’…—·％,.;:?!)]}%"
#: Characters no line may end with: opening quotes and brackets go to the next line.
CANNOT_END = "“‘（《「『【〔［｛([{"
# reportlab's CJK wrapping (one copy of its list in each of two modules) knows the characters that
# cannot start a line in Japanese; the Chinese comma, colon, closing quotes and 》 are added here.
textsplit.ALL_CANNOT_START = reportlab_paragraph.ALL_CANNOT_START = "".join(
    dict.fromkeys(textsplit.ALL_CANNOT_START + CANNOT_START)
)


@functools.lru_cache(maxsize=1024)
def _fits(text: str, font: str, size: float, width: float) -> bool:
    """Each line of ``text`` is at most ``width`` points wide (cached: labels recur on every form)."""
    return all(stringWidth(line, font, size) <= width for line in text.split("\n"))


@functools.lru_cache(maxsize=32)
def _broken_lines(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """``text`` broken into lines of at most ``width`` points (CJK: any character may start a line,
    except that a closing mark hangs on the line before and an opening mark moves down: 禁则)."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and char not in CANNOT_START and stringWidth(current + char, font, size) > width:
            carried = ""
            while len(current) > 1 and current[-1] in CANNOT_END:
                current, carried = current[:-1], current[-1] + carried
            lines.append(current)
            current = carried
        current += char
    if current:
        lines.append(current)
    return tuple(lines)


#: Lines of a long text per form row (the form can break to a new page between rows).
CHUNK_LINES = 12
#: A text that takes at most this many lines in its cell stays in one row.
ONE_ROW_LINES = CHUNK_LINES * 3 // 2


def _pieces(paragraph: Paragraph, width: float) -> list[Paragraph]:
    """``paragraph`` cut into pieces of at most ``CHUNK_LINES`` lines (one piece if it is short)."""
    height = CHUNK_LINES * paragraph.style.leading
    pieces: list[Paragraph] = []
    rest = paragraph
    while True:
        _, needed = rest.wrap(width, 1e9)
        if needed <= ONE_ROW_LINES * paragraph.style.leading:
            pieces.append(rest)
            return pieces
        parts = rest.split(width, height + 0.5)
        if len(parts) < 2:
            pieces.append(rest)
            return pieces
        pieces.append(parts[0])
        rest = parts[1]


def text_line(text: str, style: ParagraphStyle, markup: TextMarkup, width: float) -> Flowable:
    """One line of text: a plain string when the primary font has it all and it fits, else a Paragraph."""
    if markup.is_plain(text) and stringWidth(text, style.fontName, style.fontSize) <= width:
        return OneLine(text, style)
    return Paragraph(markup(text), style)


def fixed_note(text: str, style: ParagraphStyle, markup: TextMarkup, width: float) -> Flowable:
    """A note whose text is the program's own (always the same), broken once and cached."""
    if not markup.is_plain(text):
        return Paragraph(markup(text), style)
    return FixedLines(_broken_lines(text, style.fontName, style.fontSize, width), style)


class FormTable(Table):
    """A form's table that lays itself out once for a width: the renderer measures each document
    before the page is built (to choose the normal or compact size), and the page then asks again."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        measured = getattr(self, "_measured", None)
        if measured is not None and abs(measured[0] - availWidth) < 1e-6 and measured[1][1] <= availHeight:
            self.availWidth = availWidth
            return measured[1]
        size = super().wrap(availWidth, availHeight)
        self._measured = (availWidth, size)
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        self._measured = None  # the parts lay themselves out anew
        return super().split(availWidth, availHeight)


class FormBuilder:
    """A four-column ruled form: pairs of label/value, full-width text rows and blank boxes."""

    LABEL_WIDTH = 2.5 * cm

    def __init__(self, width: float, styles: Styles, markup: TextMarkup) -> None:
        self.width = width
        self.value_width = (width - 2 * self.LABEL_WIDTH) / 2
        self.styles = styles
        self.markup = markup
        self.rows: list[list[Any]] = []
        self.heights: list[float | None] = []
        self.commands: list[tuple[Any, ...]] = []
        self.divided: list[int] = []
        self.spanned: list[int] = []
        self.continued: set[int] = set()

    def _cell(self, text: str, width: float, style: ParagraphStyle | None = None) -> Any:
        """A plain string when it fits its cell on one line per line break, otherwise a Paragraph."""
        style = style or self.styles.body
        if self.markup.is_plain(text) and _fits(
            text, style.fontName, style.fontSize, width - 2 * CELL_PADDING
        ):
            return text
        return Paragraph(self.markup(text), style)

    def pair(self, label: str, value: str, label2: str, value2: str) -> None:
        self.rows.append(
            [
                self._cell(label, self.LABEL_WIDTH, self.styles.label),
                self._cell(value, self.value_width),
                self._cell(label2, self.LABEL_WIDTH, self.styles.label),
                self._cell(value2, self.value_width),
            ]
        )
        self.divided.append(len(self.rows) - 1)
        self.heights.append(None)

    def wide(self, label: str, text: str) -> None:
        """A label and a text across the three other columns; a long text continues over several rows.

        A text longer than ``CHUNK_LINES`` lines is cut into pieces of that many lines, one row each,
        with no rule between them, so the form can break between pieces at a page end.
        """
        wide = self.width - self.LABEL_WIDTH
        pieces = self._text_pieces(text, wide)
        for index, piece in enumerate(pieces):
            row = len(self.rows)
            first = self._cell(label, self.LABEL_WIDTH, self.styles.label) if index == 0 else ""
            self.rows.append([first, piece, "", ""])
            self.heights.append(None)
            self.spanned.append(row)
            if index:
                self.continued.add(row)
            if len(pieces) > 1:
                self.commands.append(("VALIGN", (1, row), (1, row), "TOP"))

    def _text_pieces(self, text: str, width: float) -> list[Any]:
        """The cells of the rows ``text`` takes in a cell ``width`` wide: one cell when it takes at most
        ``ONE_ROW_LINES`` lines, otherwise pieces of at most ``CHUNK_LINES`` lines each.

        The lines counted are those the text really takes: one for each line break, and one for each
        line a long line wraps to, so that many short lines are cut as a long line is.
        """
        cell = self._cell(text, width)
        inner = width - 2 * CELL_PADDING
        style = self.styles.body
        if isinstance(cell, str):
            if cell.count("\n") < ONE_ROW_LINES:
                return [cell]
        elif cell.wrap(inner, 1e9)[1] <= ONE_ROW_LINES * style.leading:
            return [cell]
        pieces: list[Any] = []
        group: list[str] = []
        taken = 0
        for line in text.split("\n"):
            lines = self._line_count(line, inner)
            if taken + lines > CHUNK_LINES and group:
                pieces.append(self._cell("\n".join(group), width))
                group, taken = [], 0
            if lines > CHUNK_LINES:  # a line that wraps to many: cut between its wrapped lines
                pieces.extend(_pieces(Paragraph(self.markup(line), style), inner))
                continue
            group.append(line)
            taken += lines
        if group:
            pieces.append(self._cell("\n".join(group), width))
        return pieces

    def _line_count(self, line: str, width: float) -> int:
        """How many lines ``line`` (no line break in it) takes when set ``width`` points wide."""
        style = self.styles.body
        if self.markup.is_plain(line) and stringWidth(line, style.fontName, style.fontSize) <= width:
            return 1
        return max(1, round(Paragraph(self.markup(line), style).wrap(width, 1e9)[1] / style.leading))

    def box(self, label: str, height: float) -> None:
        row = len(self.rows)
        self.rows.append([self._cell(label, self.LABEL_WIDTH, self.styles.label), "", "", ""])
        self.heights.append(height)
        self.spanned.append(row)

    def signatures(self, label: str, label2: str, height: float) -> None:
        self.rows.append(
            [
                self._cell(label, self.LABEL_WIDTH, self.styles.label),
                "",
                self._cell(label2, self.LABEL_WIDTH, self.styles.label),
                "",
            ]
        )
        self.divided.append(len(self.rows) - 1)
        self.heights.append(height)

    def table(self) -> Flowable:
        """The form: drawn straight on the canvas, or as a table when a long text runs over several rows."""
        if self.continued:
            return self.ruled_table()
        return DrawnForm(self)

    def ruled_table(self) -> FormTable:
        """The form as a reportlab table (it can break across pages between its rows)."""
        body = self.styles.body
        table = FormTable(
            self.rows,
            colWidths=self.column_widths(),
            rowHeights=self.heights,
            repeatRows=1,
            hAlign="CENTER",
        )
        joined: list[tuple[Any, ...]] = []
        for row in sorted(self.continued):
            joined.append(("TOPPADDING", (1, row), (1, row), 0))
            joined.append(("BOTTOMPADDING", (1, row - 1), (1, row - 1), 0))
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), body.fontName),
                    ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
                    ("LEADING", (0, 0), (-1, -1), body.leading),
                    *(("ALIGN", (column, 0), (column, -1), "CENTER") for column in LABEL_COLUMNS),
                    *_rules(len(self.rows), tuple(self.divided), frozenset(self.continued)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), TOP_PADDING),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), BOTTOM_PADDING),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                    *_spans(tuple(self.spanned)),
                    *self.commands,
                    *joined,
                ]
            )
        )
        return table

    def column_widths(self) -> list[float]:
        return [self.LABEL_WIDTH, self.value_width, self.LABEL_WIDTH, self.value_width]


def _rules(rows: int, divided: tuple[int, ...], continued: frozenset[int]) -> list[tuple[Any, ...]]:
    """The lines of a form as table commands: the frame, the label column, and a rule above each row
    (none between the pieces of a long text)."""
    rules: list[tuple[Any, ...]] = [
        ("BOX", (0, 0), (-1, -1), FRAME_RULE, colors.black),
        ("LINEAFTER", (0, 0), (0, -1), RULE, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), RULE, colors.black),
    ]
    for row in divided:
        rules.append(("LINEAFTER", (1, row), (2, row), RULE, colors.black))
    for row in range(1, rows):
        if row not in continued:
            rules.append(("LINEABOVE", (0, row), (-1, row), RULE, colors.black))
    return rules


def _spans(spanned: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """Rows whose text runs across the three columns after the label."""
    return [("SPAN", (1, row), (3, row)) for row in spanned]


class _CanvasRecorder:
    """Stands in for a canvas and notes each call made to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return record


#: The canvas calls that stroke a table's lines.
_STROKING = frozenset({"setStrokeColor", "setLineWidth", "setLineCap", "setLineJoin", "setDash", "line"})


@functools.lru_cache(maxsize=64)
def _ruling(
    widths: tuple[float, ...], heights: tuple[float, ...], divided: tuple[int, ...], spanned: tuple[int, ...]
) -> tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]:
    """The canvas calls that draw the lines of a form of these sizes, as reportlab's table draws them
    (worked out once: the forms of a batch share a handful of sizes)."""
    table = Table(
        [[""] * len(widths) for _ in heights],
        colWidths=list(widths),
        rowHeights=list(heights),
        style=[*_rules(len(heights), divided, frozenset()), *_spans(spanned)],
    )
    recorder = _CanvasRecorder()
    table.wrapOn(recorder, sum(widths), sum(heights))
    table.drawOn(recorder, 0, 0)
    return tuple(call for call in recorder.calls if call[0] in _STROKING)


class DrawnForm(Flowable):
    """A form none of whose texts runs over several rows, drawn straight on the canvas: the texts and lines its
    ``FormBuilder.ruled_table`` would draw, at the same places, without building the table for each
    document.  Should it have to break across pages, it becomes that table and breaks as it would."""

    def __init__(self, form: FormBuilder) -> None:
        super().__init__()
        self.form = form
        self.hAlign = "CENTER"
        self._columns: list[float] = []
        self._rows: list[float] = []
        self._heights: tuple[float, ...] = ()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if not self._heights:
            self._lay_out()
        return self._columns[-1], self._rows[0]

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        table = self.form.ruled_table()
        table.wrapOn(self.canv, availWidth, availHeight)
        return table.splitOn(self.canv, availWidth, availHeight)

    def _lay_out(self) -> None:
        """Column and row positions (from the top) as reportlab's table works them out."""
        form = self.form
        columns = [0.0]
        for width in form.column_widths():
            columns.append(columns[-1] + width)
        self._columns = columns
        leading = form.styles.body.leading
        heights: list[float] = []
        for index, (row, fixed) in enumerate(zip(form.rows, form.heights, strict=True)):
            if fixed is not None:
                heights.append(fixed)
                continue
            tallest = 0.0
            for column, cell in enumerate(row):
                if isinstance(cell, Flowable):
                    width = self._cell_width(index, column)
                    needed = cell.wrapOn(
                        getattr(self, "canv", None),
                        width - 2 * CELL_PADDING,
                        72000 - TOP_PADDING - BOTTOM_PADDING,
                    )[1]
                else:
                    needed = leading * len(cell.split("\n"))
                tallest = max(tallest, needed + (BOTTOM_PADDING + TOP_PADDING))
            heights.append(tallest)
        self._heights = tuple(heights)
        # summed from the bottom with the rounding carried, as the table does
        rows: list[float] = []
        height = carry = 0.0
        for row_height in reversed(heights):
            rows.append(height)
            step = row_height - carry
            total = height + step
            carry = (total - height) - step
            height = total
        rows.append(height)
        rows.reverse()
        self._rows = rows

    def _cell_width(self, row: int, column: int) -> float:
        end = len(self._columns) - 1 if column == 1 and row in self.form.spanned else column + 1
        return self._columns[end] - self._columns[column]

    def draw(self) -> None:
        form = self.form
        body = form.styles.body
        canvas = self.canv
        columns, rows = self._columns, self._rows
        leading, size = body.leading, body.fontSize
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(body.fontName, size, leading)
        for index, row in enumerate(form.rows):
            spanned = index in form.spanned
            bottom = rows[index + 1]
            height = rows[index] - bottom
            for column, cell in enumerate(row):
                if spanned and column > 1:
                    continue
                left = columns[column]
                width = self._cell_width(index, column)
                centred = column in LABEL_COLUMNS
                # the places are worked out term by term as the table does (left minus right padding
                # included), so that they round to the same points
                if isinstance(cell, Flowable):
                    cell_width, cell_height = cell.wrapOn(
                        canvas, width - 2 * CELL_PADDING, height - TOP_PADDING - BOTTOM_PADDING
                    )
                    y = bottom + (height + BOTTOM_PADDING - TOP_PADDING + cell_height) / 2.0
                    x = (
                        left + (width + CELL_PADDING - CELL_PADDING - cell_width) / 2.0
                        if centred
                        else left + CELL_PADDING
                    )
                    cell.drawOn(canvas, x, y - cell_height)
                elif cell:
                    lines = cell.split("\n")
                    y = bottom + (BOTTOM_PADDING + height - TOP_PADDING + len(lines) * leading) / 2.0 - size
                    if centred:
                        x = left + (width + CELL_PADDING - CELL_PADDING) * 0.5
                        for line in lines:
                            canvas.drawCentredString(x, y, line)
                            y -= leading
                    else:
                        x = left + CELL_PADDING
                        for line in lines:
                            canvas.drawString(x, y, line)
                            y -= leading
        ruling = _ruling(tuple(form.column_widths()), self._heights, tuple(form.divided), tuple(form.spanned))
        for name, args, kwargs in ruling:
            getattr(canvas, name)(*args, **kwargs)
        canvas.restoreState()


def _heading(facts: DocumentFacts, styles: Styles, markup: TextMarkup, width: float) -> list[Flowable]:
    return [
        text_line(facts.title, styles.title, markup, width),
        Spacer(0, 0.35 * cm),
        text_line(facts.number, styles.number, markup, width),
        Spacer(0, 0.25 * cm),
    ]


def _closing(
    facts: DocumentFacts, styles: Styles, markup: TextMarkup, width: float, role: str, note: str
) -> list[Flowable]:
    """The issuing unit, the date and the note, kept together on one page."""
    if facts.withheld:
        note += WITHHELD_NOTE
        if facts.withheld_from_text:
            note += f"事项内容中已隐去{facts.withheld_from_text}。"
    return [
        Spacer(0, 0.5 * cm),
        Stack(
            [
                text_line(f"{role}：{facts.unit_name}（盖章）", styles.right, markup, width),
                Spacer(0, 0.15 * cm),
                text_line(chinese_date(facts.issued_on), styles.right, markup, width),
                Spacer(0, 0.4 * cm),
                fixed_note(note, styles.note, markup, width),
            ]
        ),
    ]


def _petitioner(facts: DocumentFacts) -> str:
    if facts.withheld:
        return facts.petitioner
    text = facts.petitioner
    if facts.affiliation:
        text += f"（{facts.affiliation}）"
    if facts.people_count > 1:
        text += f"等{facts.people_count}人"
    return text


def _source(facts: DocumentFacts) -> str:
    return f"{facts.source}（{facts.superior_ref}）" if facts.superior_ref else facts.source


ASSIGN_NOTE = (
    "注：请承办单位在办理时限内办结，并将办理结果和答复信访人情况书面报送交办单位；"
    "不能按期办结的，应在期限届满前说明理由、申请延期。本单一式两份，交办单位、承办单位各存一份。"
)
#: Added to the note of a 交办单 or 督办单 about a 检举控告类 case.
WITHHELD_NOTE = "本件为检举控告类事项，检举人姓名、联系方式和证件号码依规定不予显示；"
SUPERVISE_NOTE = "注：请承办单位接此督办单后抓紧办理，并将办理情况和未按期办结的原因书面报送督办单位。"


def assign_flowables(
    facts: DocumentFacts, width: float, styles: Styles, markup: TextMarkup
) -> list[Flowable]:
    """信访事项交办单: the case, the 交办意见, the deadline, and boxes for the result and signatures."""
    scale = styles.scale
    form = FormBuilder(width, styles, markup)
    form.pair("案件编号", facts.case_no, "登记日期", chinese_date(facts.received_on))
    form.pair("信访形式", facts.channel, "信访来源", _source(facts))
    form.pair("信访人", _petitioner(facts), "联系电话", facts.phone)
    form.pair("事项性质", facts.nature, "问题类别", facts.category)
    form.wide("内容摘要", facts.summary)
    form.wide("交办意见", facts.opinion)
    form.pair("承办单位", facts.department, "办理时限", f"{chinese_date(facts.due_on)}前")
    form.box("办理结果", scale.result_box)
    form.signatures("承办人\n（签字）", "负责人\n（签字）", scale.signature_box)
    return [
        *_heading(facts, styles, markup, width),
        form.table(),
        *_closing(facts, styles, markup, width, "交办单位", ASSIGN_NOTE),
    ]


def supervise_flowables(
    facts: DocumentFacts, width: float, styles: Styles, markup: TextMarkup
) -> list[Flowable]:
    """信访事项督办单: the case, how far past its deadline, the 督办意见, a box for the explanation."""
    scale = styles.scale
    overdue = f"已逾期{facts.overdue_days}天" if facts.overdue_days else "未逾期"
    form = FormBuilder(width, styles, markup)
    form.pair("案件编号", facts.case_no, "登记日期", chinese_date(facts.received_on))
    form.pair("信访人", _petitioner(facts), "联系电话", facts.phone)
    form.pair("事项性质", facts.nature, "问题类别", facts.category)
    form.wide("内容摘要", facts.summary)
    form.pair("承办单位", facts.department, "交办日期", chinese_date(facts.assigned_on))
    form.pair("办理时限", chinese_date(facts.due_on), "逾期情况", overdue)
    form.pair("督办次数", f"第{facts.supervise_count}次", "督办日期", chinese_date(facts.issued_on))
    form.wide("督办意见", facts.opinion)
    form.box("办理情况\n说明", scale.result_box)
    form.signatures("承办人\n（签字）", "负责人\n（签字）", scale.signature_box)
    return [
        *_heading(facts, styles, markup, width),
        form.table(),
        *_closing(facts, styles, markup, width, "督办单位", SUPERVISE_NOTE),
    ]


def _letter(
    facts: DocumentFacts, styles: Styles, markup: TextMarkup, width: float, paragraphs: list[str]
) -> list[Flowable]:
    addressee = facts.petitioner if facts.people_count == 1 else f"{facts.petitioner}等{facts.people_count}人"
    flowables: list[Flowable] = [*_heading(facts, styles, markup, width), Spacer(0, 0.4 * cm)]
    flowables.append(Paragraph(markup(f"{addressee}："), styles.salutation))
    flowables.extend(Paragraph(markup(text), styles.letter) for text in paragraphs)
    flowables.append(Paragraph(markup("特此告知。"), styles.letter))
    flowables.append(Spacer(0, 1.2 * cm))
    flowables.append(
        Stack(
            [
                Paragraph(markup(f"{facts.unit_name}（盖章）"), styles.signature),
                Paragraph(markup(chinese_date(facts.issued_on)), styles.signature),
                Spacer(0, 1.0 * cm),
                Paragraph(
                    markup(f"（案件编号：{facts.case_no}。本告知书一式两份，一份送达信访人，一份存档。）"),
                    styles.note,
                ),
            ]
        )
    )
    return flowables


def _quoted(summary: str) -> str:
    """A summary as quoted inside a sentence: without its own closing full stop."""
    return summary.strip().rstrip("。.；;")


def _you(facts: DocumentFacts) -> str:
    return "你们" if facts.people_count > 1 else "你"


def accept_notice_flowables(
    facts: DocumentFacts, width: float, styles: Styles, markup: TextMarkup
) -> list[Flowable]:
    """信访事项受理告知书 to the petitioner: accepted, and by when the written reply comes."""
    you = _you(facts)
    return _letter(
        facts,
        styles,
        markup,
        width,
        [
            f"{you}于{chinese_date(facts.received_on)}以{facts.channel}形式反映的“{_quoted(facts.summary)}”"
            f"事项，本单位已于{chinese_date(facts.issued_on)}依法受理。",
            f"根据《信访工作条例》第三十四条的规定，本单位将在{chinese_date(facts.due_on)}前办结，"
            f"并书面答复{you}。情况复杂的，经批准可以适当延长办理期限，并告知{you}延期理由。",
        ],
    )


def decline_notice_flowables(
    facts: DocumentFacts, width: float, styles: Styles, markup: TextMarkup
) -> list[Flowable]:
    """信访事项不予受理告知书 to the petitioner: not accepted, and why."""
    you = _you(facts)
    return _letter(
        facts,
        styles,
        markup,
        width,
        [
            f"{you}于{chinese_date(facts.received_on)}以{facts.channel}形式反映的“{_quoted(facts.summary)}”"
            "事项，经审查，本单位决定不予受理。",
            f"理由：{facts.decline_reason}",
            f"{you}可以依照有关法律、法规的规定，向有权处理的机关、单位提出。",
        ],
    )


LAYOUTS = {
    DocumentKind.ASSIGN: assign_flowables,
    DocumentKind.SUPERVISE: supervise_flowables,
    DocumentKind.ACCEPT_NOTICE: accept_notice_flowables,
    DocumentKind.DECLINE_NOTICE: decline_notice_flowables,
}
