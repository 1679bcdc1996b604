"""导出台账 and 打印交办单 in the GUI: the export dialog, the PDF preview and printing, the audit of personal data."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import select

from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.documents.operations import prepare_documents
from xinfang_desk.export.exchange.identity import LEDGER_SHEET
from xinfang_desk.export.exchange.operations import ExportRequest
from xinfang_desk.export.progress import ExportCancelled
from xinfang_desk.ledger import audit
from xinfang_desk.ledger.audit import REVEAL_PERSONAL_DATA
from xinfang_desk.ledger.models import AuditEntry
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import EventKind
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, find_case
from xinfang_desk.ui import pdf_preview
from xinfang_desk.ui.case_view import CaseView
from xinfang_desk.ui.export_dialog import ExportDialog, _export
from xinfang_desk.ui.main_window import LEDGER, MainWindow
from xinfang_desk.ui.ops import OpRunner, Progress
from xinfang_desk.ui.pdf_preview import PdfPreview, render_prepared

ACTOR = "主任老李"
ID_NUMBER = "11010519491231002X"
MASKED_ID = "1101**********002X"


@pytest.fixture
def runner(ledger):
    runner = OpRunner(ledger, Actor(ACTOR))
    yield runner
    runner.wait()


@pytest.fixture
def settings(tmp_path, qsettings_dir):
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def assigned(ledger, register_case, *, count: int = 1, **overrides) -> list[int]:
    """Cases registered, accepted and assigned to 后勤集团; their ids."""
    ids = [register_case(**overrides) for _ in range(count)]
    with ledger.session() as session:
        workflow = Workflow(session, "主任")
        for case_id in ids:
            case = find_case(session, case_id)
            workflow.accept(case)
            workflow.assign(case, "后勤集团", "请一周内修复并答复信访人。")
    return ids


def case_no(ledger, case_id: int) -> str:
    with ledger.session() as session:
        return find_case(session, case_id).case_no


def audit_entries(ledger, action: str) -> list[AuditEntry]:
    with ledger.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(entries)


def pdf_text(data: bytes | Path) -> str:
    reader = PdfReader(data if isinstance(data, Path) else io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def top_level(kind: type) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


# -- 导出台账 -------------------------------------------------------------------------------------
@pytest.fixture
def two_years(ledger, register_case) -> dict[int, list[int]]:
    """Cases received last year and this year, each petitioner with an ID number."""
    now = datetime.now().replace(microsecond=0)
    last_year = now.replace(year=now.year - 1, month=6, day=1)
    person = PetitionerInput(name="李堃", id_number=ID_NUMBER, phone="13812345678")
    return {
        last_year.year: [
            register_case(received_at=last_year + timedelta(days=d), petitioner=person) for d in (0, 3)
        ],
        now.year: [register_case(petitioner=person)],
    }


def open_export_dialog(qtbot, runner, settings) -> ExportDialog:
    dialog = ExportDialog(runner, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled() and dialog.year_combo.count() > 0)
    return dialog


def choose_year(dialog: ExportDialog, year: int) -> None:
    dialog.year_combo.setCurrentIndex(dialog.year_combo.findData(year))


def ledger_sheet_rows(path: Path) -> list[dict[str, object]]:
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook[LEDGER_SHEET].iter_rows(values_only=True))
    workbook.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_writes_the_chosen_year_with_personal_data_masked(
    qtbot, ledger, runner, settings, two_years, tmp_path
):
    last_year = min(two_years)
    dialog = open_export_dialog(qtbot, runner, settings)
    assert dialog.masked_radio.isChecked(), "masked is the default"
    choose_year(dialog, last_year)
    assert Path(dialog.path_edit.text()).name == f"信访台账_教务处_{last_year}.xlsx"
    qtbot.waitUntil(lambda: "共登记 2 件" in dialog.count_label.text())

    target = tmp_path / Path(dialog.path_edit.text()).name
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=10000) as exported:
        dialog.export_button.click()
    assert exported.args[0].rows == 2
    assert "已导出 2 件案件" in dialog.done_box.text()

    rows = ledger_sheet_rows(target)
    assert sorted(r["案件编号"] for r in rows) == sorted(case_no(ledger, i) for i in two_years[last_year])
    assert {r["证件号码"] for r in rows} == {MASKED_ID}
    assert ID_NUMBER not in {str(v) for r in rows for v in r.values()}
    assert [e.detail["file"] for e in audit_entries(ledger, audit.EXPORT_MASKED)] == [target.name]
    assert not audit_entries(ledger, audit.EXPORT_FULL)
    assert settings.value("export/folder") == str(tmp_path), "the next export starts in the same folder"


def test_done_message_opens_the_containing_folder(qtbot, runner, settings, two_years, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(
        "xinfang_desk.ui.export_dialog.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    dialog = open_export_dialog(qtbot, runner, settings)
    dialog.path_edit.setText(str(tmp_path / "台账.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export_button.click()
    button = next(b for b in dialog.done_box.buttons() if b.text() == "打开所在文件夹")
    button.click()
    assert [Path(p) for p in opened] == [tmp_path]


def test_full_export_needs_a_confirmation_that_mentions_the_audit_log(
    qtbot, ledger, runner, settings, two_years, tmp_path
):
    this_year = max(two_years)
    dialog = open_export_dialog(qtbot, runner, settings)
    choose_year(dialog, this_year)
    target = tmp_path / "完整.xlsx"
    dialog.path_edit.setText(str(target))
    dialog.full_radio.click()

    dialog.export_button.click()
    assert isinstance(dialog.question, QMessageBox) and dialog.question.isVisible()
    assert "审计日志" in dialog.question.text()
    next(b for b in dialog.question.buttons() if b.text() == "取消").click()
    runner.wait()
    qtbot.wait(50)
    assert not target.exists(), "declining the confirmation exports nothing"
    assert not audit_entries(ledger, audit.EXPORT_FULL)

    dialog.export_button.click()
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        next(b for b in dialog.question.buttons() if b.text() == "确认完整导出").click()
    assert {r["证件号码"] for r in ledger_sheet_rows(target)} == {ID_NUMBER}
    [entry] = audit_entries(ledger, audit.EXPORT_FULL)
    assert entry.actor == ACTOR and entry.detail["file"] == target.name and entry.detail["rows"] == 1


def test_an_existing_file_is_replaced_only_when_confirmed(qtbot, runner, settings, two_years, tmp_path):
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"an older export")
    dialog = open_export_dialog(qtbot, runner, settings)
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    assert "已存在" in dialog.question.text()
    next(b for b in dialog.question.buttons() if b.text() == "取消").click()
    assert target.read_bytes() == b"an older export"
    dialog.export_button.click()
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        next(b for b in dialog.question.buttons() if b.text() == "替换").click()
    assert target.read_bytes().startswith(b"PK")


def test_a_period_that_ends_before_it_starts_is_explained(qtbot, runner, settings, two_years, tmp_path):
    dialog = open_export_dialog(qtbot, runner, settings)
    dialog.path_edit.setText(str(tmp_path / "台账.xlsx"))
    dialog.from_date.setDate(dialog.to_date.date().addDays(1))
    assert dialog.range_radio.isChecked(), "editing a date chooses the custom period"
    dialog.export_button.click()
    assert "起始日期晚于截止日期" in dialog.reason.text()
    assert not (tmp_path / "台账.xlsx").exists()


def test_cancelling_stops_the_export_and_leaves_no_file(qtbot, ledger, two_years, tmp_path):
    progress = Progress()
    reports: list[tuple[int, int]] = []
    progress.reported.connect(lambda done, total, _text: reports.append((done, total)))
    year = min(two_years)
    request = ExportRequest(tmp_path / "台账.xlsx", date(year, 1, 1), date(year, 12, 31), False)
    with ledger.operation(Actor(ACTOR)) as ctx:
        _export(request, ctx, progress)
    assert reports[0] == (0, 2) and reports[-1] == (2, 2)

    progress.cancelled = True
    request = ExportRequest(tmp_path / "取消.xlsx", request.start, request.end, False)
    with ledger.operation(Actor(ACTOR)) as ctx, pytest.raises(ExportCancelled):
        _export(request, ctx, progress)
    assert not list(tmp_path.glob("*取消*")), "neither the file nor its unfinished part is left"


# -- PDF preview ----------------------------------------------------------------------------------
@pytest.fixture
def batch(ledger, register_case) -> pdf_preview.DocumentsPdf:
    """The 交办单 of three assigned cases, one with a character no font has."""
    ids = assigned(ledger, register_case, count=2)
    ids += assigned(ledger, register_case, petitioner=PetitionerInput(name="王𰻞", phone="13812345678"))
    with ledger.operation(Actor(ACTOR)) as ctx:
        prepared = prepare_documents(ctx, ids, DocumentKind.ASSIGN)
    return render_prepared(prepared, Progress())


def open_preview(qtbot, runner, documents: pdf_preview.DocumentsPdf) -> PdfPreview:
    preview = PdfPreview.of_documents(runner, documents)
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitUntil(lambda: preview.page_count > 0)
    return preview


def ink(image: QImage) -> int:
    """How many of a coarse grid of pixels are dark (text and rules)."""
    return sum(
        QColor(image.pixel(x, y)).lightness() < 128
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    )


def test_preview_renders_every_page_of_a_batch(qtbot, runner, batch):
    reader = PdfReader(io.BytesIO(batch.data))
    assert len(reader.pages) == batch.pages == 3
    preview = open_preview(qtbot, runner, batch)
    assert preview.page_count == len(reader.pages)
    assert preview.page_total.text() == "/ 3 页"
    for index in range(preview.page_count):
        preview.go_to_page(index)
        qtbot.waitUntil(lambda i=index: preview.is_rendered(i), timeout=5000)
        assert preview.page_spin.value() == index + 1
        image = preview.pages[index].pixmap().toImage()
        assert abs(image.height() / image.width() - 297 / 210) < 0.01, "an A4 page keeps its shape"
        assert ink(image) > 200, "the page shows the form, not blank paper"
    assert not preview.next_button.isEnabled() and preview.prev_button.isEnabled()


def test_zoom_changes_the_page_size_and_renders_it_again(qtbot, runner, batch):
    preview = open_preview(qtbot, runner, batch)
    qtbot.waitUntil(lambda: preview.is_rendered(0))
    preview.set_zoom(1.0)
    qtbot.waitUntil(lambda: preview.is_rendered(0))
    width = preview.pages[0].width()
    preview.step_zoom(1)
    assert preview.zoom == 1.25 and preview.zoom_combo.currentText() == "125%"
    assert preview.pages[0].width() == pytest.approx(width * 1.25, abs=2)
    qtbot.waitUntil(lambda: preview.is_rendered(0))


def test_font_warnings_are_shown_above_the_pages(qtbot, runner, batch):
    assert any("𰻞" in w for w in batch.warnings)
    preview = open_preview(qtbot, runner, batch)
    assert preview.warning_label.isVisible() and "𰻞" in preview.warning_label.text()


def test_a_batch_prints_the_assigned_cases_and_names_the_one_left_out(qtbot, runner, ledger, register_case):
    ready = assigned(ledger, register_case, count=2)
    waiting = register_case()  # registered, not yet assigned
    ids = [ready[0], waiting, ready[1]]
    with ledger.operation(Actor(ACTOR)) as ctx:
        prepared = prepare_documents(ctx, ids, DocumentKind.ASSIGN)
    documents = render_prepared(prepared, Progress())
    assert documents.pages == 2 and case_no(ledger, waiting) not in pdf_text(documents.data)
    preview = open_preview(qtbot, runner, documents)
    line = f"已打印 2 件；未打印 1 件：{case_no(ledger, waiting)}（尚未交办）"
    assert preview.warning_label.isVisible()
    assert preview.warning_label.text().splitlines()[0] == line
    assert preview.page_count == 2


def test_the_app_opens_the_preview_of_a_batch_with_an_unassigned_case(
    qtbot, runner, ledger, register_case, monkeypatch
):
    ready = assigned(ledger, register_case)
    waiting = register_case()
    errors: list[BaseException] = []
    monkeypatch.setattr(pdf_preview, "show_error", lambda _parent, error: errors.append(error))
    pdf_preview.preview_documents(runner, [waiting, *ready], DocumentKind.ASSIGN)

    def opened() -> list[PdfPreview]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreview)]

    qtbot.waitUntil(lambda: bool(opened() or errors), timeout=20000)
    assert not errors, errors
    [preview] = opened()
    qtbot.addWidget(preview)
    qtbot.waitUntil(lambda: preview.page_count > 0)
    assert preview.page_count == 1
    line = f"已打印 1 件；未打印 1 件：{case_no(ledger, waiting)}（尚未交办）"
    assert preview.warning_label.isVisible() and preview.warning_label.text() == line


def test_save_as_writes_the_same_bytes(qtbot, runner, batch, tmp_path):
    preview = open_preview(qtbot, runner, batch)
    target = tmp_path / "交办单.pdf"
    preview.save_to(target)
    qtbot.waitUntil(lambda: preview.message.text().startswith("已保存"))
    assert target.read_bytes() == batch.data


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_printing_paints_each_page_as_an_image_at_printer_resolution(qtbot, runner, batch, tmp_path):
    preview = open_preview(qtbot, runner, batch)
    output = tmp_path / "printed.pdf"
    preview.print_to(pdf_printer(output))
    qtbot.waitUntil(lambda: preview.message.text().startswith("已送出打印"), timeout=20000)
    printed = PdfReader(output)
    assert len(printed.pages) == batch.pages
    for page in printed.pages:
        [image] = page.images
        assert image.image.width >= pdf_preview.PRINT_DPI_LIMIT * 8, "A4 is 8.27 in wide"
        assert abs(float(page.mediabox.width) - 595) < 2, "the page keeps its A4 size"


def test_print_button_prints_the_range_chosen_in_the_print_dialog(
    qtbot, runner, batch, tmp_path, monkeypatch
):
    output = tmp_path / "range.pdf"

    class ChosenRange:
        """Stands in for the system print dialog: the user picks pages 2–3 and a PDF printer."""

        def __init__(self, printer: QPrinter, _parent) -> None:
            self.printer = printer

        def __getattr__(self, _name):
            return lambda *args: None

        def exec(self) -> int:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(output))
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(2, 3)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(pdf_preview, "QPrintDialog", ChosenRange)
    preview = open_preview(qtbot, runner, batch)
    preview.print_button.click()
    qtbot.waitUntil(lambda: preview.message.text() == "已送出打印：2 页。", timeout=20000)
    assert len(PdfReader(output).pages) == 2


# -- the case view and the ledger -----------------------------------------------------------------
def open_case_view(qtbot, runner, case_id: int) -> CaseView:
    view = CaseView(runner, case_id)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None)
    runner.wait()
    qtbot.wait(20)
    return view


def test_case_view_offers_the_assign_slip_once_assigned_and_previews_it(qtbot, ledger, runner, register_case):
    case_id = register_case()
    view = open_case_view(qtbot, runner, case_id)
    assert view.print_buttons == {}, "a registered case has nothing to print"

    runner.call(cases.perform_step, case_id, EventKind.ACCEPT, {})
    qtbot.waitUntil(lambda: DocumentKind.ACCEPT_NOTICE in view.print_buttons)
    assert [b.text() for b in view.print_buttons.values()] == ["打印受理告知书"]

    runner.call(
        cases.perform_step, case_id, EventKind.ASSIGN, {"department": "后勤集团", "opinion": "请办理"}
    )
    qtbot.waitUntil(lambda: DocumentKind.ASSIGN in view.print_buttons)
    view.print_buttons[DocumentKind.ASSIGN].click()
    qtbot.waitUntil(lambda: bool(top_level(PdfPreview)), timeout=10000)
    [preview] = top_level(PdfPreview)
    qtbot.addWidget(preview)
    text = pdf_text(preview.data)
    assert case_no(ledger, case_id) in text and "信访事项交办单" in text
    [printed] = audit_entries(ledger, audit.PRINT_DOCUMENTS)
    assert printed.actor == ACTOR and printed.detail["cases"] == [case_no(ledger, case_id)]


def test_showing_personal_data_is_recorded_once_per_reveal(qtbot, ledger, runner, register_case):
    case_id = register_case(petitioner=PetitionerInput(name="李堃", id_number=ID_NUMBER))
    view = open_case_view(qtbot, runner, case_id)
    id_value = view.values[("信访人", "身份证号")]
    id_value.toggle.click()
    assert id_value.shown_text() == ID_NUMBER
    qtbot.waitUntil(lambda: len(audit_entries(ledger, REVEAL_PERSONAL_DATA)) == 1)
    id_value.toggle.click()  # 隐藏 is not a reveal
    view.reload()  # nor is the view refreshing
    runner.wait()
    qtbot.wait(20)
    [entry] = audit_entries(ledger, REVEAL_PERSONAL_DATA)
    assert entry.actor == ACTOR
    assert entry.detail == {"case_id": case_id, "case_no": case_no(ledger, case_id), "field": "身份证号"}


@pytest.fixture
def window(runner, settings, qtbot):
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.ledger_page.model.busy)
    return window


def test_selected_ledger_rows_print_as_one_batch(qtbot, ledger, runner, register_case, window):
    ids = assigned(ledger, register_case, count=3)
    register_case()  # not assigned, not selected
    window.refresh()
    window.show_page(LEDGER)
    table = window.ledger_page.table
    qtbot.waitUntil(lambda: window.ledger_page.model.rowCount() == 4)
    wanted = {window.ledger_page.model.row_of(i) for i in ids}
    for row in sorted(wanted):
        table.selectionModel().select(
            table.model().index(row, 0),
            table.selectionModel().SelectionFlag.Select | table.selectionModel().SelectionFlag.Rows,
        )
    window.ledger_page.print_button.click()
    qtbot.waitUntil(lambda: bool(top_level(PdfPreview)), timeout=10000)
    [preview] = top_level(PdfPreview)
    qtbot.addWidget(preview)
    qtbot.waitUntil(lambda: preview.page_count == 3)
    text = pdf_text(preview.data)
    assert all(case_no(ledger, i) in text for i in ids)


def test_ctrl_e_opens_the_export_dialog(qtbot, window):
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    window.export_action.trigger()
    qtbot.waitUntil(lambda: bool(top_level(ExportDialog)))
    [dialog] = top_level(ExportDialog)
    assert dialog.windowTitle() == "导出台账"
    dialog.close()
