"""PDF preview and printing: 交办单, 督办单 and the notices shown before they go to paper.

Qt's own PDF module ships only with the WebEngine wheel, so pages are rasterised with pypdfium2.
All PDF work runs on the runner's detached pool (``OpRunner.run_detached``: one thread beside the
database worker, so printing never holds the ledger), one job at a time, because PDFium must not
be entered from two threads: the preview asks only for the pages in view (and drops pixmaps far out
of view, so a batch of 1,000 交办单 stays light), printing paints every page at the printer's
resolution (up to ``PRINT_DPI_LIMIT``) straight onto the ``QPrinter`` — which Qt allows off the UI
thread — and 另存为 writes the same bytes that are shown.

``preview_documents`` gathers the documents of one or many cases on the database worker (the operation
records the printing in the audit log), renders them on the detached pool into a private temporary
file, reads it back, deletes the file and opens the preview, showing any characters no font could draw.
A case of the batch not yet at the step its document records is left out, not the whole batch: the
preview names it above the pages (“已打印 3 件；未打印 1 件：JWC-2026-0004（尚未交办）”).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap, QResizeEvent, QShortcut
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.documents.operations import PreparedDocuments, prepare_documents
from xinfang_desk.export.progress import ExportCancelled, file_written_whole
from xinfang_desk.export.progress import Progress as Steps
from xinfang_desk.ledger.errors import LedgerFileError
from xinfang_desk.ui.file_dialogs import save_file_name
from xinfang_desk.ui.ops import Cancelled, OpRunner, Progress, show_error
from xinfang_desk.ui.style import DISABLED_FOREGROUND, PREVIEW_BACKDROP, PREVIEW_PAGE

if TYPE_CHECKING:  # PDFium and the slip layout load on first use, not at start-up
    import pypdfium2 as pdfium

#: Printing never rasterises finer than this (an A4 page at 300 dpi is about 35 MB in memory).
PRINT_DPI_LIMIT = 300
#: Zoom levels offered (1.0 is the printed size).
ZOOM_LEVELS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
FIT_WIDTH = "width"
FIT_PAGE = "page"
#: Pages rendered per worker job (a job stays short, so other ledger work is not held up).
PAGES_PER_JOB = 3
#: Rendered pages kept beyond those in view, before and after.
KEEP_AROUND = 4
PAGE_GAP = 14

#: The short name of each document, for buttons ("打印交办单") and file names.
SHORT_NAMES: dict[DocumentKind, str] = {
    DocumentKind.ASSIGN: "交办单",
    DocumentKind.SUPERVISE: "督办单",
    DocumentKind.ACCEPT_NOTICE: "受理告知书",
    DocumentKind.DECLINE_NOTICE: "不予受理告知书",
}

PageSize = tuple[float, float]  # width, height in PDF points (1/72 inch)


# -- PDF pages (no widgets; run on the worker) ---------------------------------------------------
@contextlib.contextmanager
def open_pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """The PDF in ``data``, closed afterwards; a damaged file is refused in Chinese."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise LedgerFileError("PDF 文件已损坏或无法读取。") from exc
    try:
        yield document
    finally:
        document.close()


def page_sizes(data: bytes) -> tuple[PageSize, ...]:
    """Every page's size in points."""
    with open_pdf(data) as document:
        return tuple(tuple(document.get_page_size(i)) for i in range(len(document)))  # type: ignore[misc]


def render_page(document: pdfium.PdfDocument, index: int, scale: float) -> QImage:
    """Page ``index`` at ``scale`` pixels per point, as an image that owns its pixels (white paper)."""
    page = document[index]
    try:
        bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True, may_draw_forms=False)
        try:
            view = QImage(
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGBX8888,
            )
            return view.copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def render_pages(data: bytes, indexes: Sequence[int], scale: float) -> dict[int, QImage]:
    with open_pdf(data) as document:
        return {index: render_page(document, index, scale) for index in indexes}


def placed_on_paper(page: PageSize, paper: QRectF, resolution: float) -> QRectF:
    """Where a page goes on the paper: at its real size, centred; shrunk to fit when the paper is smaller."""
    width, height = page[0] / 72 * resolution, page[1] / 72 * resolution
    shrink = min(1.0, paper.width() / width, paper.height() / height)
    width, height = width * shrink, height * shrink
    return QRectF(
        paper.x() + (paper.width() - width) / 2, paper.y() + (paper.height() - height) / 2, width, height
    )


def print_pages(data: bytes, printer: QPrinter, indexes: Sequence[int], progress: Progress) -> int:
    """Paint pages ``indexes`` onto ``printer``, each rasterised at the printer's resolution; returns the count."""
    painter = QPainter()
    if not painter.begin(printer):
        raise LedgerFileError("无法开始打印：打印机不可用或输出文件无法写入。")
    total = len(indexes)
    resolution = printer.resolution()
    scale = min(resolution, PRINT_DPI_LIMIT) / 72
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    try:
        with open_pdf(data) as document:
            for done, index in enumerate(indexes):
                progress.report(done, total, f"正在打印第 {done + 1} 页，共 {total} 页…")
                if done:
                    printer.newPage()
                image = render_page(document, index, scale)
                size = document.get_page_size(index)
                painter.drawImage(placed_on_paper(size, paper, resolution), image)
    except Cancelled:
        printer.abort()
        raise
    finally:
        painter.end()
    return total


def _print_job(data: bytes, printer: QPrinter, indexes: Sequence[int], progress: Progress) -> int | None:
    """``print_pages`` for the worker: the page count, or None when the user cancelled."""
    try:
        return print_pages(data, printer, indexes, progress)
    except Cancelled:
        return None


def _sizes_job(data: bytes, _progress: Progress) -> tuple[PageSize, ...]:
    return page_sizes(data)


def _render_job(data: bytes, indexes: Sequence[int], scale: float, _progress: Progress) -> dict[int, QImage]:
    return render_pages(data, indexes, scale)


def _save(data: bytes, target: Path, _progress: Progress) -> Path:
    with file_written_whole(target) as temporary:
        temporary.write_bytes(data)
    return target


# -- documents of cases -------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentsPdf:
    """The printed documents of some cases, in memory (the temporary file is already gone)."""

    kind: DocumentKind
    data: bytes
    case_nos: tuple[str, ...]
    pages: int
    warnings: tuple[str, ...]
    #: (case number, why not) of each case of the batch left out, e.g. ("JWC-2026-0004", "尚未交办")
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def skipped_notice(self) -> str:
        """“已打印 3 件；未打印 1 件：JWC-2026-0004（尚未交办）” ("" when no case was left out)."""
        if not self.skipped:
            return ""
        named = "、".join(f"{case_no}（{why}）" for case_no, why in self.skipped[:10])
        more = f" 等（另有 {len(self.skipped) - 10} 件）" if len(self.skipped) > 10 else ""
        return f"已打印 {len(self.case_nos)} 件；未打印 {len(self.skipped)} 件：{named}{more}"

    @property
    def title(self) -> str:
        if len(self.case_nos) == 1:
            return f"{self.kind.title}（{self.case_nos[0]}）"
        return f"{self.kind.title}（{len(self.case_nos)}份）"

    @property
    def file_name(self) -> str:
        name = SHORT_NAMES[self.kind]
        if len(self.case_nos) == 1:
            return f"{name}_{self.case_nos[0]}.pdf"
        return f"{name}_{len(self.case_nos)}份_{date.today():%Y%m%d}.pdf"


def render_prepared(prepared: PreparedDocuments, progress: Progress) -> DocumentsPdf:
    """Render gathered documents into one PDF held in memory (no ledger needed: runs beside the worker)."""
    folder = Path(tempfile.mkdtemp(prefix="xinfang_desk_"))  # private to this user (0700)
    try:
        target = folder / f"{SHORT_NAMES[prepared.kind]}.pdf"
        steps = Steps(
            len(prepared.facts),
            lambda done, total: progress.reported.emit(done, total, f"已生成 {done} / {total} 份……"),
            lambda: progress.cancelled,
            every=50,
        )
        from xinfang_desk.export.documents.slips import render_documents

        rendered = render_documents(prepared.facts, target, progress=steps, author=prepared.author)
        data = target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return DocumentsPdf(
        prepared.kind, data, prepared.case_nos, rendered.pages, tuple(rendered.warnings), prepared.skipped
    )


def preview_documents(
    runner: OpRunner,
    cases: Sequence[int | str],
    kind: DocumentKind = DocumentKind.ASSIGN,
    parent: QWidget | None = None,
) -> None:
    """Generate ``kind`` for ``cases`` on the worker, then open the preview (errors shown in Chinese)."""

    def opened(documents: DocumentsPdf) -> None:
        PdfPreview.of_documents(runner, documents, parent).show()

    def failed(error: BaseException) -> None:
        if not isinstance(error, ExportCancelled):  # the user pressed 取消 and knows
            show_error(parent, error)

    def gathered(prepared: PreparedDocuments) -> None:
        runner.run_detached(
            partial(render_prepared, prepared),
            on_success=opened,
            on_failure=failed,
            progress_label=f"正在生成{SHORT_NAMES[kind]}…",
            parent=parent,
        )

    runner.call(prepare_documents, tuple(cases), kind, on_success=gathered, on_failure=failed, parent=parent)


def alive(widget: QWidget, slot: Callable[..., None]) -> Callable[..., None]:
    """``slot``, skipped once ``widget`` is gone (a worker job may finish after its window closed)."""

    def call(*args: object) -> None:
        if shiboken6.isValid(widget):
            slot(*args)

    return call


# -- the preview window -------------------------------------------------------------------------
class PdfPreview(QDialog):
    """打印预览: the pages of a PDF, with page navigation, zoom, 打印… and 另存为…."""

    def __init__(
        self,
        runner: OpRunner,
        data: bytes,
        *,
        title: str = "PDF",
        file_name: str = "文档.pdf",
        warnings: Sequence[str] = (),
        notice: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.data = data
        self.file_name = file_name
        self.sizes: tuple[PageSize, ...] = ()
        self.pages: list[QLabel] = []
        self.zoom = 1.0
        self.fit: str | None = FIT_PAGE  # a print preview shows whole pages first
        self._rendered_scale: dict[int, float] = {}
        self._rendering = False
        self._again = False
        self._placed = False
        self.setWindowTitle(f"打印预览 — {title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._build(warnings, notice)
        self._fit_to_screen()
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(40)
        self._render_timer.timeout.connect(self._render_visible)
        runner.run_detached(
            partial(_sizes_job, data),
            on_success=self._alive(self._sizes_arrived),
            on_failure=self._alive(self._failed),
        )

    @classmethod
    def of_documents(
        cls, runner: OpRunner, documents: DocumentsPdf, parent: QWidget | None = None
    ) -> PdfPreview:
        """The preview of printed documents, naming above the pages the cases left out of the batch."""
        return cls(
            runner,
            documents.data,
            title=documents.title,
            file_name=documents.file_name,
            warnings=documents.warnings,
            notice=documents.skipped_notice,
            parent=parent,
        )

    def _alive(self, slot: Callable[..., None]) -> Callable[..., None]:
        return alive(self, slot)

    # -- building --------------------------------------------------------------------------------
    def _build(self, warnings: Sequence[str], notice: str) -> None:
        self.prev_button = QPushButton("上一页")
        self.prev_button.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.page_spin = QSpinBox()
        self.page_spin.setRange(1, 1)
        self.page_spin.setKeyboardTracking(False)
        self.page_spin.valueChanged.connect(lambda n: self.go_to_page(n - 1))
        self.page_total = QLabel("/ … 页")
        self.next_button = QPushButton("下一页")
        self.next_button.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.zoom_out_button = QPushButton("缩小")
        self.zoom_out_button.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_combo = QComboBox()
        self.zoom_combo.addItem("适合宽度", FIT_WIDTH)
        self.zoom_combo.addItem("整页", FIT_PAGE)
        for level in ZOOM_LEVELS:
            self.zoom_combo.addItem(f"{level:.0%}", level)
        self.zoom_combo.activated.connect(lambda i: self.set_zoom(self.zoom_combo.itemData(i)))
        self.zoom_in_button = QPushButton("放大")
        self.zoom_in_button.clicked.connect(lambda: self.step_zoom(1))
        self.save_button = QPushButton("另存为…")
        self.save_button.clicked.connect(self.choose_save_path)
        self.print_button = QPushButton("打印…")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.choose_printer)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)

        bar = QHBoxLayout()
        for widget in (self.prev_button, self.page_spin, self.page_total, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(18)
        for widget in (self.zoom_out_button, self.zoom_combo, self.zoom_in_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.save_button, self.print_button, close):
            bar.addWidget(widget)

        self.warning_label = QLabel()
        self.warning_label.setObjectName("warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings = tuple(warnings)
        self.notice = notice
        lines = [notice] if notice else []
        if warnings:
            shown = "\n".join(warnings[:6]) + (
                f"\n……另有 {len(warnings) - 6} 处" if len(warnings) > 6 else ""
            )
            lines.append(f"注意：有字符无法打印——\n{shown}")
        self.warning_label.setText("\n".join(lines))
        self.warning_label.setVisible(bool(lines))

        self.sheet = QWidget()
        self.sheet.setObjectName("previewSheet")
        self.sheet.setStyleSheet(f"QWidget#previewSheet {{ background: {PREVIEW_BACKDROP.name()}; }}")
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.sheet)
        self.scroll.setWidgetResizable(False)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setStyleSheet(f"QScrollArea {{ background: {PREVIEW_BACKDROP.name()}; border: none; }}")
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.scroll.horizontalScrollBar().valueChanged.connect(lambda _v: self._render_timer.start())

        self.message = QLabel("正在打开……")
        self.message.setObjectName("pageSubtitle")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.message)

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, lambda: self.step_zoom(1)),
            ("Ctrl+=", lambda: self.step_zoom(1)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self.step_zoom(-1)),
            (QKeySequence.StandardKey.Print, self.choose_printer),
            (QKeySequence.StandardKey.Save, self.choose_save_path),
            ("Ctrl+Home", lambda: self.go_to_page(0)),
            ("Ctrl+End", lambda: self.go_to_page(len(self.pages) - 1)),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._enable(False)

    def _fit_to_screen(self) -> None:
        screen = self.screen().availableGeometry()
        self.resize(min(980, screen.width() - 40), min(1040, screen.height() - 60))

    def _enable(self, ready: bool) -> None:
        for widget in (
            self.prev_button,
            self.page_spin,
            self.next_button,
            self.zoom_out_button,
            self.zoom_combo,
            self.zoom_in_button,
            self.print_button,
        ):
            widget.setEnabled(ready)

    # -- pages -----------------------------------------------------------------------------------
    def _sizes_arrived(self, sizes: tuple[PageSize, ...]) -> None:
        self.sizes = sizes
        for index in range(len(sizes)):
            label = QLabel(f"第 {index + 1} 页", self.sheet)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(f"background: {PREVIEW_PAGE.name()}; color: {DISABLED_FOREGROUND.name()};")
            label.show()
            self.pages.append(label)
        self.page_spin.setRange(1, max(1, len(sizes)))
        self.page_total.setText(f"/ {len(sizes)} 页")
        self.message.setText(f"共 {len(sizes)} 页。")
        self._enable(bool(sizes))
        self._apply_zoom()

    def _failed(self, error: BaseException) -> None:
        self.message.setText("无法显示此 PDF。")
        show_error(self, error)

    @property
    def page_count(self) -> int:
        return len(self.sizes)

    def _pixels_per_point(self) -> float:
        """Screen pixels per PDF point at the current zoom (1.0 = printed size on this screen)."""
        return self.zoom * self.logicalDpiX() / 72

    def _fitted_zoom(self) -> float:
        if not self.sizes or self.fit is None:
            return self.zoom
        dpi = self.logicalDpiX() / 72
        room = self.scroll.viewport().size() - QSize(2 * PAGE_GAP + 4, 2 * PAGE_GAP + 4)
        widest = max(w for w, _h in self.sizes)
        by_width = room.width() / (widest * dpi)
        if self.fit == FIT_WIDTH:
            return max(0.2, by_width)
        tallest = max(h for _w, h in self.sizes)
        return max(0.2, min(by_width, room.height() / (tallest * dpi)))

    def set_zoom(self, zoom: float | str) -> None:
        """A zoom level (1.0 = printed size), or ``FIT_WIDTH`` / ``FIT_PAGE``."""
        if isinstance(zoom, str):
            self.fit = zoom
        else:
            self.fit = None
            self.zoom = min(max(float(zoom), ZOOM_LEVELS[0]), ZOOM_LEVELS[-1])
        self._apply_zoom()

    def step_zoom(self, direction: int) -> None:
        if direction > 0:
            bigger = [z for z in ZOOM_LEVELS if z > self.zoom + 1e-6]
            self.set_zoom(bigger[0] if bigger else ZOOM_LEVELS[-1])
        else:
            smaller = [z for z in ZOOM_LEVELS if z < self.zoom - 1e-6]
            self.set_zoom(smaller[-1] if smaller else ZOOM_LEVELS[0])

    def _apply_zoom(self) -> None:
        keep = self.current_page() if self._placed else 0
        self._placed = bool(self.pages)
        self.zoom = self._fitted_zoom()
        self.zoom_combo.setCurrentIndex(self.zoom_combo.findData(self.fit or self.zoom))
        self.zoom_combo.setToolTip(f"当前 {self.zoom:.0%}")
        self._place_pages()
        self.go_to_page(keep)
        self._render_timer.start()

    def _place_pages(self) -> None:
        """Stack the pages at the current zoom, centred, with a gap around each."""
        scale = self._pixels_per_point()
        sizes = [(round(w * scale), round(h * scale)) for w, h in self.sizes]
        widest = max((w for w, _h in sizes), default=0)
        sheet_width = max(widest + 2 * PAGE_GAP, self.scroll.viewport().width())
        top = PAGE_GAP
        for label, (width, height) in zip(self.pages, sizes, strict=True):
            label.setGeometry((sheet_width - width) // 2, top, width, height)
            top += height + PAGE_GAP
        self.sheet.resize(sheet_width, top)

    def current_page(self) -> int:
        """The page at the top third of the view (0-based)."""
        if not self.pages:
            return 0
        mark = self.scroll.verticalScrollBar().value() + self.scroll.viewport().height() // 3
        for index, label in enumerate(self.pages):
            if label.geometry().bottom() + PAGE_GAP >= mark:
                return index
        return len(self.pages) - 1

    def go_to_page(self, index: int) -> None:
        if not self.pages:
            return
        index = max(0, min(index, len(self.pages) - 1))
        self.scroll.verticalScrollBar().setValue(self.pages[index].y() - PAGE_GAP // 2)
        self._show_page_number(index)
        self._render_timer.start()

    def _show_page_number(self, index: int) -> None:
        self.page_spin.blockSignals(True)
        self.page_spin.setValue(index + 1)
        self.page_spin.blockSignals(False)
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.pages) - 1)

    def _scrolled(self, _value: int) -> None:
        self._show_page_number(self.current_page())
        self._render_timer.start()

    def visible_pages(self) -> list[int]:
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        return [
            i for i, label in enumerate(self.pages) if label.y() < bottom and label.y() + label.height() > top
        ]

    def is_rendered(self, index: int) -> bool:
        """Whether page ``index`` shows its content at the current zoom."""
        return self._rendered_scale.get(index) == self._render_scale()

    def _render_scale(self) -> float:
        return round(self._pixels_per_point() * self.devicePixelRatioF(), 4)

    def _render_visible(self) -> None:
        if self._rendering:
            self._again = True
            return
        wanted = [i for i in self.visible_pages() if not self.is_rendered(i)][:PAGES_PER_JOB]
        if not wanted:
            return
        self._rendering = True
        scale = self._render_scale()
        self.runner.run_detached(
            partial(_render_job, self.data, wanted, scale),
            on_success=self._alive(partial(self._rendered, scale)),
            on_failure=self._alive(self._render_failed),
        )

    def _rendered(self, scale: float, images: dict[int, QImage]) -> None:
        self._rendering = False
        if scale == self._render_scale():
            for index, image in images.items():
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(self.devicePixelRatioF())
                self.pages[index].setPixmap(pixmap)
                self._rendered_scale[index] = scale
        self._forget_far_pages()
        self._again = False
        if any(not self.is_rendered(i) for i in self.visible_pages()):
            self._render_timer.start()

    def _render_failed(self, error: BaseException) -> None:
        self._rendering = False
        self._failed(error)

    def _forget_far_pages(self) -> None:
        visible = self.visible_pages()
        if not visible:
            return
        first, last = visible[0] - KEEP_AROUND, visible[-1] + KEEP_AROUND
        for index in list(self._rendered_scale):
            if not first <= index <= last:
                self.pages[index].setPixmap(QPixmap())
                self.pages[index].setText(f"第 {index + 1} 页")
                del self._rendered_scale[index]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self.fit and self.pages:
            self._apply_zoom()

    # -- save and print --------------------------------------------------------------------------
    def choose_save_path(self) -> None:
        path = save_file_name(self, "另存为 PDF", self.file_name, "PDF 文件 (*.pdf)", ".pdf")
        if path is not None:
            self.save_to(path)

    def save_to(self, target: Path) -> None:
        """Write the PDF to ``target`` (on the worker; replaced only when written whole)."""
        self.message.setText("正在保存……")
        self.runner.run_detached(
            partial(_save, self.data, target),
            on_success=self._alive(lambda path: self.message.setText(f"已保存：{path}")),
            on_failure=self._alive(lambda error: show_error(self, error)),
        )

    def choose_printer(self) -> None:
        if not self.sizes:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle().removeprefix("打印预览 — "))
        printer.setFullPage(True)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        dialog.setMinMax(1, len(self.sizes))
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def pages_to_print(self, printer: QPrinter) -> list[int]:
        """The 0-based pages the print dialog chose: all, the current one, or a range."""
        if printer.printRange() == QPrinter.PrintRange.CurrentPage:
            return [self.current_page()]
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            last = min(printer.toPage() or len(self.sizes), len(self.sizes))
            return list(range(printer.fromPage() - 1, last))
        return list(range(len(self.sizes)))

    def print_to(self, printer: QPrinter) -> None:
        """Print on the worker with a cancellable progress dialog."""
        printer.setFullPage(True)
        indexes = self.pages_to_print(printer)
        self.message.setText("正在打印……")
        self.print_button.setEnabled(False)

        def done(count: int | None) -> None:
            self.print_button.setEnabled(True)
            self.message.setText("已取消打印。" if count is None else f"已送出打印：{count} 页。")

        def failed(error: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.message.setText("打印未完成。")
            show_error(self, error)

        self.runner.run_detached(
            partial(_print_job, self.data, printer, indexes),
            on_success=self._alive(done),
            on_failure=self._alive(failed),
            progress_label="正在打印……",
            parent=self,
        )
