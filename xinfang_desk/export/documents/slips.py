"""Printing 交办单, 督办单 and the notices to the petitioner as one PDF (one document or a batch).

``write_documents`` renders a batch that ``operations.prepare_documents`` gathered (and recorded in
the audit log) into one PDF, each document starting on a new page.  A document is
meant to fill one A4 page: when its text is too long at the normal size it is set in the compact
size, and if even that does not fit, the form continues on further pages, each headed with the
document's title, number and case number (“续页”), so no text is ever lost or cut off.

Personal data: the 交办单 and 督办单 go to the handling department, which must answer the
petitioner, so they show the petitioner's name and phone number (never the ID number), except for
a 检举控告类 case, where both are replaced by “（依规定不予显示）”: the accused must never learn who
reported them.  The notices are addressed to the petitioner.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate

from xinfang_desk import __version__
from xinfang_desk.export.documents.facts import DocumentFacts, DocumentKind
from xinfang_desk.export.documents.fonts import TextMarkup, pdf_fonts
from xinfang_desk.export.documents.layouts import (
    COMPACT,
    LAYOUTS,
    NORMAL,
    PAGE_MARGIN_BOTTOM,
    PAGE_MARGIN_TOP,
    PAGE_MARGIN_X,
    Scale,
    Styles,
)
from xinfang_desk.export.progress import CancelCheck, Progress, ProgressCallback, file_written_whole
from xinfang_desk.ledger.errors import ValidationError

if TYPE_CHECKING:
    from xinfang_desk.export.documents.operations import PreparedDocuments

_FRAME_WIDTH = A4[0] - 2 * PAGE_MARGIN_X
_FRAME_HEIGHT = A4[1] - PAGE_MARGIN_TOP - PAGE_MARGIN_BOTTOM


@dataclass
class RenderedDocuments:
    """What was printed: page count, documents set compact or continued, and font warnings."""

    documents: int = 0
    pages: int = 0
    compact: list[str] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentExport:
    """The written PDF and what it holds."""

    path: Path
    kind: DocumentKind
    case_nos: tuple[str, ...]
    rendered: RenderedDocuments
    #: why each case of the batch that could not have its document was left out
    skipped: tuple[str, ...] = ()


class _Continuation:
    """Which document is on the page, so a continued page can repeat its heading."""

    def __init__(self) -> None:
        self.facts: DocumentFacts | None = None
        self.first_page = 0
        self.continued: list[str] = []


class _DocumentStart(Flowable):
    """An invisible mark at the start of each document."""

    def __init__(self, state: _Continuation, facts: DocumentFacts) -> None:
        super().__init__()
        self.state = state
        self.facts = facts

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.state.facts = self.facts
        self.state.first_page = self.canv.getPageNumber()


def _draw_continuation(state: _Continuation, font: str) -> Callable[[Any, Any], None]:
    def on_page_end(canvas: Any, _doc: Any) -> None:
        facts = state.facts
        page = canvas.getPageNumber()
        if facts is None or page == state.first_page:
            return
        if facts.case_no not in state.continued:
            state.continued.append(facts.case_no)
        number = page - state.first_page + 1
        canvas.saveState()
        canvas.setFont(font, 10)
        top = A4[1] - PAGE_MARGIN_TOP + 0.9 * 28.35
        canvas.drawString(
            PAGE_MARGIN_X, top, f"{facts.title}（续页）　{facts.number}　案件编号：{facts.case_no}"
        )
        canvas.drawRightString(A4[0] - PAGE_MARGIN_X, top, f"第{number}页")
        canvas.setLineWidth(0.6)
        canvas.line(PAGE_MARGIN_X, top - 5, A4[0] - PAGE_MARGIN_X, top - 5)
        canvas.restoreState()

    return on_page_end


#: A canvas that only measures (some flowables need one to work out their height).
_MEASURING_CANVAS = Canvas(io.BytesIO(), pagesize=A4)


def _height(flowables: list[Flowable]) -> float:
    """How tall ``flowables`` are in one page's frame."""
    return sum(
        f.wrapOn(_MEASURING_CANVAS, _FRAME_WIDTH, _FRAME_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter()
        for f in flowables
    )


def _document_flowables(
    facts: DocumentFacts, markup: TextMarkup, styles: dict[Scale, Styles]
) -> tuple[list[Flowable], bool]:
    """The flowables of one document and whether the compact size was needed."""
    layout = LAYOUTS[facts.kind]
    normal = layout(facts, _FRAME_WIDTH, styles[NORMAL], markup)
    if _height(normal) <= _FRAME_HEIGHT:
        return normal, False
    return layout(facts, _FRAME_WIDTH, styles[COMPACT], markup), True


def render_documents(
    documents: Sequence[DocumentFacts],
    target: str | Path | BinaryIO,
    *,
    progress: Progress | None = None,
    author: str = "",
) -> RenderedDocuments:
    """Render ``documents`` into one PDF at ``target``, each starting on a new page."""
    if not documents:
        raise ValidationError("没有要打印的案件。")
    fonts = pdf_fonts()
    font = fonts.primary.name
    styles = {scale: Styles(font, scale) for scale in (NORMAL, COMPACT)}
    markup = TextMarkup(fonts)
    state = _Continuation()
    result = RenderedDocuments(documents=len(documents))
    story: list[Flowable] = []
    for index, facts in enumerate(documents):
        markup.context = f"案件{facts.case_no}"
        flowables, compact = _document_flowables(facts, markup, styles)
        if compact:
            result.compact.append(facts.case_no)
        if index:
            story.append(PageBreak())
        story.append(_DocumentStart(state, facts))
        story.extend(flowables)
        if progress is not None:
            progress.step(index + 1)
    first = documents[0]
    title = first.title if len(documents) == 1 else f"{first.title}（{len(documents)}份）"
    doc = BaseDocTemplate(
        target if not isinstance(target, Path) else str(target),
        pagesize=A4,
        leftMargin=PAGE_MARGIN_X,
        rightMargin=PAGE_MARGIN_X,
        topMargin=PAGE_MARGIN_TOP,
        bottomMargin=PAGE_MARGIN_BOTTOM,
        title=title,
        author=author or first.unit_name,
        creator=f"xinfang-desk {__version__}",
        subject=first.case_no if len(documents) == 1 else "",
        pageCompression=1,
        # every page starts in the embedded font: reportlab's default, Helvetica, is never embedded
        initialFontName=font,
    )
    frame = Frame(
        PAGE_MARGIN_X,
        PAGE_MARGIN_BOTTOM,
        _FRAME_WIDTH,
        _FRAME_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="text",
    )
    doc.addPageTemplates([PageTemplate("page", [frame], onPageEnd=_draw_continuation(state, font))])
    doc.build(story)
    result.pages = doc.page
    result.continued = list(state.continued)
    result.warnings = list(markup.warnings)
    return result


def pdf_target(path: str | Path) -> Path:
    """``path`` as a PDF to write, refused (before anything is printed) unless it ends in .pdf."""
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValidationError(f"文件名应以 .pdf 结尾：{target.name}。")
    return target


def write_documents(
    prepared: PreparedDocuments,
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> DocumentExport:
    """Render a batch ``operations.prepare_documents`` gathered (and audited) into one PDF at ``path``.

    Needs no ledger.  The file appears whole or not at all; font warnings come back in
    ``rendered.warnings``, and each case the batch left out in ``skipped``.
    """
    target = pdf_target(path)
    steps = Progress(len(prepared.facts), progress, cancelled, every=50)
    steps.report(0)
    with file_written_whole(target) as temporary:
        rendered = render_documents(prepared.facts, temporary, progress=steps, author=prepared.author)
        steps.check()
    steps.report(len(prepared.facts))
    return DocumentExport(target, prepared.kind, prepared.case_nos, rendered, prepared.skipped_messages())
