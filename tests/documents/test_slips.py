"""交办单, 督办单 and the notices as PDF: every field there, rare names intact, reporters withheld."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers import Clock, Registrar, draft
from xinfang_desk import fonts
from xinfang_desk.cli import main
from xinfang_desk.export.documents.facts import WITHHELD, DocumentKind
from xinfang_desk.export.documents.layouts import FormBuilder
from xinfang_desk.export.documents.operations import prepare_documents
from xinfang_desk.export.documents.slips import render_documents, write_documents
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import NotFoundError, WorkflowError
from xinfang_desk.ledger.limits import limit_of
from xinfang_desk.ledger.models import AuditEntry
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import Channel, Nature, Source
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

RARE_NAME = "欧阳䶮堃"
SUMMARY = "反映南区7号楼宿舍空调损坏长期无人维修，夏季室内温度过高，影响休息和学习。"
OPINION = "请后勤集团于一周内完成维修，并将维修情况答复信访人。"
TODAY = date(2025, 6, 1)


@pytest.fixture
def cases(ledger: Ledger) -> dict[str, str]:
    """Cases at the steps each document records; name → case number."""
    clock = Clock(datetime(2025, 6, 1, 12, 0))
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=clock)
        reg = Registrar(s, wf)

        dorm = reg(
            "dorm",
            datetime(2025, 3, 1, 9, 30),
            summary=SUMMARY,
            petitioner=PetitionerInput(name=RARE_NAME, phone="13812345678", affiliation="土木工程学院"),
        )
        wf.accept(dorm, at=datetime(2025, 3, 2, 10))
        wf.assign(dorm, "后勤集团", OPINION, at=datetime(2025, 3, 3, 10))
        wf.supervise(dorm, "该件已逾期，请立即办理并说明原因。", at=datetime(2025, 3, 20, 10))
        report = reg(
            "report",
            datetime(2025, 4, 1, 9),
            nature=Nature.ACCUSATION,
            channel=Channel.LETTER,
            category="其他类",
            subcategory="",
            summary="检举某学院工作人员在奖学金评定中弄虚作假。",
            petitioner=PetitionerInput(name="李喆", phone="13900001111", affiliation="经济与管理学院"),
        )
        wf.accept(report, at=datetime(2025, 4, 2, 10))
        wf.assign(report, "纪委办公室", "请依规核查。", at=datetime(2025, 4, 3, 10))
        wf.supervise(report, "请按期报送核查情况。", at=datetime(2025, 5, 20, 10))
        notice = reg(
            "notice",
            datetime(2025, 4, 5, 9),
            petitioner=PetitionerInput(name="王昇玥", phone="0551-63828000"),
            people_count=6,
            channel=Channel.PHONE,
        )
        wf.accept(notice, at=datetime(2025, 4, 6, 9))
        declined = reg("declined", datetime(2025, 4, 7, 9), summary="要求学校赔偿个人投资损失")
        wf.decline(
            declined, "所反映事项不属于本单位职责范围，应通过诉讼途径解决。", at=datetime(2025, 4, 8, 9)
        )
        superior = reg(
            "superior",
            datetime(2025, 4, 9, 9),
            source=Source.SUPERIOR,
            superior_ref="皖教信转〔2025〕3号",
            superior_due_on=date(2025, 5, 30),
        )
        wf.accept(superior, at=datetime(2025, 4, 10, 9))
        wf.assign(superior, "后勤集团", "请按上级要求办理。", at=datetime(2025, 4, 11, 9))
    return reg.made


def _print(ledger: Ledger, refs: list[str], path: Path, kind: DocumentKind = DocumentKind.ASSIGN):
    """Print as the app and the command line do: gather (and audit) in an operation, then render."""
    with ledger.operation(Actor("王主任"), clock=Clock(datetime.combine(TODAY, time(12)))) as ctx:
        prepared = prepare_documents(ctx, refs, kind, file_name=path.name)
    return write_documents(prepared, path)


def _text(path: Path) -> list[str]:
    """Each page's extracted text with all whitespace removed."""
    return ["".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_assign_slip_shows_every_field_on_one_page(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    result = _print(ledger, [cases["dorm"]], tmp_path / "a.pdf")
    pages = _text(tmp_path / "a.pdf")
    assert len(pages) == 1 and result.rendered.pages == 1 and not result.rendered.warnings
    assert result.rendered.compact == [] and result.rendered.continued == []  # the normal size fits
    text = pages[0]
    for field in [
        "信访事项交办单",
        "交办〔2025〕第1号",
        "案件编号",
        cases["dorm"],
        "登记日期",
        "2025年3月1日",
        "信访形式",
        "来访",
        "信访人",
        RARE_NAME,
        "土木工程学院",
        "联系电话",
        "13812345678",
        "内容摘要",
        "".join(SUMMARY.split()),
        "交办意见",
        OPINION,
        "承办单位",
        "后勤集团",
        "办理时限",
        "2025年3月17日前",
        "办理结果",
        "承办人（签字）",
        "负责人（签字）",
        "交办单位：教务处（盖章）",
        "2025年3月3日",
    ]:
        assert field in text, field


def test_rare_characters_of_names_survive_extraction(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _print(ledger, [cases["dorm"]], tmp_path / "a.pdf")
    _print(ledger, [cases["notice"]], tmp_path / "n.pdf", DocumentKind.ACCEPT_NOTICE)
    text = _text(tmp_path / "a.pdf")[0] + _text(tmp_path / "n.pdf")[0]
    for char in "喆堃昇玥䶮":
        if char != "喆":
            assert char in text, char
    assert "王昇玥等6人" in text and RARE_NAME in text


def test_the_reporter_of_an_accusation_is_never_shown(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    for kind in (DocumentKind.ASSIGN, DocumentKind.SUPERVISE):
        path = tmp_path / f"{kind.value}.pdf"
        _print(ledger, [cases["report"]], path, kind)
        text = "".join(_text(path))
        assert "李喆" not in text and "喆" not in text
        assert "13900001111" not in text and "1111" not in text
        assert "经济与管理学院" not in text
        assert text.count(WITHHELD) >= 2
        assert "检举某学院工作人员在奖学金评定中弄虚作假" in text


def test_supervise_slip_says_how_late_and_what_was_asked(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    _print(ledger, [cases["dorm"]], tmp_path / "s.pdf", DocumentKind.SUPERVISE)
    text = _text(tmp_path / "s.pdf")[0]
    for field in [
        "信访事项督办单",
        "督办〔2025〕第1号",
        cases["dorm"],
        RARE_NAME,
        "后勤集团",
        "交办日期2025年3月3日",
        "办理时限2025年3月17日",
        f"已逾期{(TODAY - date(2025, 3, 17)).days}天",
        "第1次",
        "该件已逾期，请立即办理并说明原因。",
        "督办单位：教务处（盖章）",
        "2025年3月20日",
    ]:
        assert field in text, field


def test_notices_to_the_petitioner(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _print(ledger, [cases["notice"]], tmp_path / "a.pdf", DocumentKind.ACCEPT_NOTICE)
    accept = _text(tmp_path / "a.pdf")[0]
    for field in [
        "信访事项受理告知书",
        "受理〔2025〕第3号",
        "王昇玥等6人：",
        "2025年4月5日",
        "电话",
        "你们",
        "2025年4月6日",
    ]:
        assert field in accept, field
    assert re.search(r"将在2025年\d+月\d+日前办结", accept)
    _print(ledger, [cases["declined"]], tmp_path / "d.pdf", DocumentKind.DECLINE_NOTICE)
    decline = _text(tmp_path / "d.pdf")[0]
    for field in [
        "信访事项不予受理告知书",
        "不予受理〔2025〕第1号",
        "要求学校赔偿个人投资损失",
        "所反映事项不属于本单位职责范围，应通过诉讼途径解决。",
        "2025年4月8日",
    ]:
        assert field in decline, field


def test_a_document_for_a_step_not_taken_is_refused(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    with pytest.raises(WorkflowError, match="尚未交办"):
        _print(ledger, [cases["declined"]], tmp_path / "x.pdf")
    with pytest.raises(WorkflowError, match="督办"):
        _print(ledger, [cases["superior"]], tmp_path / "x.pdf", DocumentKind.SUPERVISE)
    with pytest.raises(WorkflowError, match="不予受理"):
        _print(ledger, [cases["notice"]], tmp_path / "x.pdf", DocumentKind.DECLINE_NOTICE)
    with pytest.raises(NotFoundError, match="JWC-2099-0001"):
        _print(ledger, ["JWC-2099-0001"], tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_numbers_run_per_year_in_order_of_entry_and_never_change(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    def number(case_no: str) -> str:
        _print(ledger, [case_no], tmp_path / "n.pdf")
        return re.search(r"交办〔\d+〕第\d+号", _text(tmp_path / "n.pdf")[0]).group(0)

    assert [number(cases[n]) for n in ("dorm", "report", "superior")] == [
        "交办〔2025〕第1号",
        "交办〔2025〕第2号",
        "交办〔2025〕第3号",
    ]
    clock = Clock(datetime(2026, 1, 10, 12))
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=clock)
        late = wf.register(draft(received_at=datetime(2025, 12, 20, 9)))
        s.flush()
        wf.accept(late, at=datetime(2025, 12, 21, 9))
        wf.assign(late, "后勤集团", "请办理。", at=datetime(2025, 12, 22, 9))  # recorded later, dated earlier
        new_year = wf.register(draft(received_at=datetime(2026, 1, 5, 9)))
        s.flush()
        wf.accept(new_year, at=datetime(2026, 1, 6, 9))
        wf.assign(new_year, "后勤集团", "请办理。", at=datetime(2026, 1, 7, 9))
        late_no, new_no = late.case_no, new_year.case_no
    assert number(cases["superior"]) == "交办〔2025〕第3号"
    assert number(late_no) == "交办〔2025〕第4号"
    assert number(new_no) == "交办〔2026〕第1号"


def test_a_batch_puts_each_document_on_its_own_pages(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    refs = [cases["dorm"], cases["report"], cases["superior"]]
    result = _print(ledger, refs, tmp_path / "b.pdf")
    pages = _text(tmp_path / "b.pdf")
    assert result.rendered.documents == 3 and len(pages) == 3
    for page, case_no in zip(pages, refs, strict=True):
        assert case_no in page and all(other not in page for other in refs if other != case_no)
    assert "皖教信转〔2025〕3号" in pages[2]
    with ledger.session() as s:
        entry = s.scalars(select(AuditEntry)).one()
        assert entry.actor == "王主任" and entry.action == "print_documents" and entry.detail["cases"] == refs


def test_a_very_long_text_continues_on_headed_pages_and_nothing_is_lost(
    ledger: Ledger, tmp_path: Path
) -> None:
    opinion = "".join(f"第{i}条：请认真核查试卷，依规复核，并答复信访人。" for i in range(1, 260))
    summary = ("申请复核高等数学期末成绩，第三大题第二小问答案正确但未给分。" * 20)[:500]
    case_no = _assigned_to_jwc(ledger, summary, opinion)
    result = _print(ledger, [case_no], tmp_path / "long.pdf")
    pages = _text(tmp_path / "long.pdf")
    assert len(pages) > 2 and result.rendered.continued == [case_no] and result.rendered.compact == [case_no]
    body = _continued_body(pages, "信访事项交办单", "交办〔2025〕第1号", case_no)
    assert opinion in body and summary in body
    assert "交办单位：教务处（盖章）2025年5月9日注：" in pages[-1] and "负责人（签字）" in body


def _assigned_to_jwc(ledger: Ledger, summary: str, opinion: str, supervised: str | None = None) -> str:
    """A case received on 7 May 2025, accepted and assigned to 教务处 with ``opinion`` (and supervised
    with that note, if given); its case number."""
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=Clock(datetime(2025, 6, 1, 12)))
        case = wf.register(draft(received_at=datetime(2025, 5, 7, 9), summary=summary))
        s.flush()
        wf.accept(case, at=datetime(2025, 5, 8, 9))
        wf.assign(case, "教务处", opinion, at=datetime(2025, 5, 9, 9))
        if supervised is not None:
            wf.supervise(case, supervised, at=datetime(2025, 5, 30, 9))
        return case.case_no


def _continued_body(pages: list[str], title: str, number: str, case_no: str) -> str:
    """The text of a document continued on headed pages, its headings checked and taken out (and the
    form's first row, which each continued page repeats)."""
    body = []
    for page_number, page in enumerate(pages, 1):
        heading = f"{title}（续页）{number}案件编号：{case_no}第{page_number}页"
        assert page_number == 1 or heading in page, page_number
        body.append(re.sub(f"案件编号{case_no}登记日期\\d+年\\d+月\\d+日", "", page.replace(heading, "")))
    return "".join(body)


def _many_lines(limit: int) -> str:
    """A text of ``limit`` characters made of line breaks as much as of words: long lines that wrap,
    one-character lines and empty lines, mixed."""
    long = "申请复核高等数学期末成绩，第三大题第二小问答案正确但未给分，请依规复核并答复信访人。" * 3
    unit = [long, "", "甲", "乙", "", "丙", *"丁戊己庚辛壬癸"]
    lines: list[str] = []
    while len("\n".join(lines)) < limit:
        lines.append(unit[len(lines) % len(unit)])
    return "\n".join(lines)[:limit].strip()


def test_texts_of_many_short_lines_print_on_continued_pages(ledger: Ledger, tmp_path: Path) -> None:
    """A summary and an opinion as long as the ledger accepts, made of hundreds of lines (one
    character, or none), print: the form is cut between rows onto headed pages, and no line is lost."""
    summary = "\n".join("甲乙丙丁戊己庚辛壬癸"[i % 10] for i in range(limit_of("summary") // 2))
    opinion = _many_lines(limit_of("assign_opinion"))
    note = "\n".join("子丑寅卯辰巳午未申酉戌亥"[i % 12] for i in range(2000))
    assert len(summary) == limit_of("summary") - 1 and len(opinion) == limit_of("assign_opinion")
    case_no = _assigned_to_jwc(ledger, summary, opinion, supervised=note)
    result = _print(ledger, [case_no], tmp_path / "assign.pdf")
    pages = _text(tmp_path / "assign.pdf")
    assert len(pages) > 20 and result.rendered.continued == [case_no]
    body = _continued_body(pages, "信访事项交办单", "交办〔2025〕第1号", case_no)
    assert "".join(summary.split()) in body and "".join(opinion.split()) in body
    assert "交办单位：教务处（盖章）2025年5月9日注：" in pages[-1] and "负责人（签字）" in body

    result = _print(ledger, [case_no], tmp_path / "supervise.pdf", DocumentKind.SUPERVISE)
    pages = _text(tmp_path / "supervise.pdf")
    assert len(pages) > 10 and result.rendered.continued == [case_no]
    body = _continued_body(pages, "信访事项督办单", "督办〔2025〕第1号", case_no)
    assert "".join(summary.split()) in body and "".join(note.split()) in body
    assert "督办单位：教务处（盖章）" in pages[-1] and "负责人（签字）" in body


def test_text_stays_inside_the_margins(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _print(ledger, [cases["dorm"]], tmp_path / "a.pdf")
    _print(ledger, [cases["declined"]], tmp_path / "d.pdf", DocumentKind.DECLINE_NOTICE)
    for path in (tmp_path / "a.pdf", tmp_path / "d.pdf"):
        page = PdfReader(path).pages[0]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        origins: list[tuple[float, float]] = []

        def visit(text, cm, tm, font, size, origins=origins) -> None:
            if text.strip():
                origins.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

        page.extract_text(visitor_text=visit)
        assert origins
        assert all(60 <= x <= width - 60 and 50 <= y <= height - 60 for x, y in origins), origins


def test_fonts_are_embedded(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _print(ledger, [cases["dorm"]], tmp_path / "a.pdf")
    page = PdfReader(tmp_path / "a.pdf").pages[0]
    descriptors = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None:
                descriptors.append(descriptor.get_object())
    assert descriptors and all("/FontFile2" in d for d in descriptors)


def _pua_font(path: Path) -> Path:
    """A one-glyph TrueType font that draws U+E000 (a private-use character no shipped font has)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((800, 700))
    pen.lineTo((800, 0))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "pua"])
    builder.setupCharacterMap({0xE000: "pua"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "pua": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "pua": (1000, 100)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "XinfangTestPUA", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    builder.save(str(path))
    return path


@pytest.fixture
def odd_name_case(ledger: Ledger) -> str:
    clock = Clock(datetime(2025, 6, 1, 12))
    with ledger.session() as s:
        wf = Workflow(s, "王主任", clock=clock)
        case = wf.register(
            draft(
                received_at=datetime(2025, 5, 2, 9), petitioner=PetitionerInput(name="张\ue000\U00020000明")
            )
        )
        s.flush()
        wf.accept(case, at=datetime(2025, 5, 3, 9))
        wf.assign(case, "后勤集团", "请办理。", at=datetime(2025, 5, 4, 9))
        return case.case_no


def test_a_character_no_font_has_is_marked_and_reported_not_dropped(
    ledger: Ledger, odd_name_case: str, tmp_path: Path
) -> None:
    result = _print(ledger, [odd_name_case], tmp_path / "w.pdf")
    warnings = result.rendered.warnings
    assert any("U+E000" in w and odd_name_case in w for w in warnings)
    assert any("U+20000" in w for w in warnings)
    assert "张〓〓明" in _text(tmp_path / "w.pdf")[0]


def test_a_fallback_font_draws_what_the_primary_font_lacks(
    ledger: Ledger, odd_name_case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = _pua_font(tmp_path / "pua.ttf")
    monkeypatch.setattr(fonts, "fallback_font_paths", lambda: [fallback])
    result = _print(ledger, [odd_name_case], tmp_path / "f.pdf")
    warnings = result.rendered.warnings
    assert not any("U+E000" in w for w in warnings) and any("U+20000" in w for w in warnings)
    page = PdfReader(tmp_path / "f.pdf").pages[0]
    names = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any("XinfangTestPUA" in n or "Fallback" in n for n in names), names
    assert "张\ue000〓明" in _text(tmp_path / "f.pdf")[0]


def test_command_line_prints_a_slip(
    ledger: Ledger, ledger_location, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "cli.pdf"
    assert (
        main(["slip", "--db", str(ledger_location), cases["dorm"], "-o", str(target), "--kind", "supervise"])
        == 0
    )
    assert "督办单 1 份" in capsys.readouterr().out
    assert "督办〔2025〕第1号" in _text(target)[0]
    assert main(["slip", "--db", str(ledger_location), "JWC-2099-0009", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == "错误：找不到案件：JWC-2099-0009。\n"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_every_document_renders_as_an_a4_image(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    from PIL import Image

    for kind, name in [
        (DocumentKind.ASSIGN, "dorm"),
        (DocumentKind.SUPERVISE, "dorm"),
        (DocumentKind.ACCEPT_NOTICE, "notice"),
        (DocumentKind.DECLINE_NOTICE, "declined"),
    ]:
        pdf = tmp_path / f"{kind.value}.pdf"
        _print(ledger, [cases[name]], pdf, kind)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-singlefile", pdf, tmp_path / kind.value], check=True
        )
        image = Image.open(tmp_path / f"{kind.value}.png").convert("L")
        assert image.size == (331, 468)  # A4 at 40 dpi
        dark = sum(1 for p in image.get_flattened_data() if p < 128)
        assert dark > 500, kind  # text (and rules) were drawn


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_form_drawn_straight_on_the_page_looks_exactly_like_the_ruled_table(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """To print a batch fast, a form whose texts fit their rows is drawn without building a reportlab
    table: the pages must not differ from the table's by one pixel, nor by one character of text."""
    from PIL import Image, ImageChops

    refs = [cases["dorm"], cases["report"], cases["superior"]]
    documents = []
    for kind in (DocumentKind.ASSIGN, DocumentKind.SUPERVISE):
        with ledger.operation(Actor("王主任"), clock=Clock(datetime.combine(TODAY, time(12)))) as ctx:
            documents += prepare_documents(
                ctx, refs[:2] if kind == DocumentKind.SUPERVISE else refs, kind
            ).facts
    first = documents[0]
    documents += [
        replace(first, summary="第一行\n第二行", department="后勤集团（南区物业管理中心与维修服务站）"),
        replace(first, summary=SUMMARY * 4),  # wraps in its box, compact size
        # too tall for a page even in the compact size: the form breaks between its rows
        replace(
            first,
            summary="\n".join(f"第{i}行" for i in range(30)),
            opinion="\n".join(f"第{i}条" for i in range(30)),
        ),
    ]
    drawn, ruled = tmp_path / "drawn.pdf", tmp_path / "ruled.pdf"
    render_documents(documents, drawn)
    monkeypatch.setattr(FormBuilder, "table", FormBuilder.ruled_table)
    render_documents(documents, ruled)

    assert _text(drawn) == _text(ruled)
    for pdf in (drawn, ruled):
        subprocess.run(["pdftoppm", "-png", "-r", "60", pdf, tmp_path / pdf.stem], check=True)
    pages = sorted(tmp_path.glob("drawn-*.png"))
    assert len(pages) == len(_text(drawn)) > len(documents)
    for page in pages:
        with Image.open(page) as a, Image.open(page.with_name(page.name.replace("drawn", "ruled"))) as b:
            assert ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None, page.name


def test_a_batch_prints_every_ready_case_and_names_the_one_that_cannot(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path
) -> None:
    result = _print(ledger, [cases["dorm"], cases["declined"]], tmp_path / "batch.pdf")
    assert result.case_nos == (cases["dorm"],) and result.rendered.documents == 1
    assert result.skipped == (f"案件{cases['declined']}尚未交办，不能打印交办单",)
    assert len(_text(tmp_path / "batch.pdf")) == 1


def test_the_app_prepares_the_ready_cases_of_a_batch_and_names_the_one_left_out(
    ledger: Ledger, cases: dict[str, str]
) -> None:
    with ledger.operation(Actor("王主任"), clock=Clock(datetime(2025, 6, 1, 12))) as ctx:
        prepared = prepare_documents(ctx, [cases["declined"], cases["dorm"]], DocumentKind.ASSIGN)
    assert prepared.case_nos == (cases["dorm"],) and len(prepared.facts) == 1
    assert prepared.skipped == ((cases["declined"], "尚未交办"),)
    with ledger.session() as s:
        entry = s.scalars(select(AuditEntry)).one()
        assert entry.detail["cases"] == [cases["dorm"]] and entry.detail["skipped"] == [cases["declined"]]


def test_the_app_refuses_a_batch_only_when_no_case_is_ready_as_the_command_line_does(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = [cases["declined"], cases["notice"]]
    message = f"案件{cases['declined']}、{cases['notice']}尚未交办，不能打印交办单。"
    target = tmp_path / "x.pdf"
    assert main(["slip", "--db", str(ledger.path), *refs, "-o", str(target)]) == 2
    assert capsys.readouterr().err == f"错误：{message}\n"
    with ledger.operation(Actor("王主任")) as ctx, pytest.raises(WorkflowError) as app:
        prepare_documents(ctx, refs, DocumentKind.ASSIGN)
    assert str(app.value) == message
    assert not target.exists()
    with ledger.session() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_the_command_line_prints_a_batchs_ready_cases_and_names_the_others(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "batch.pdf"
    refs = [cases["dorm"], cases["declined"], cases["superior"]]
    assert main(["slip", "--db", str(ledger.path), *refs, "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == f"已生成信访事项交办单 2 份，共 2 页：{target}\n"
    assert err == f"未打印：案件{cases['declined']}尚未交办，不能打印交办单。\n"
    pages = _text(target)
    assert [cases["dorm"] in pages[0], cases["superior"] in pages[1]] == [True, True]
    with ledger.session() as s:
        entry = s.scalars(select(AuditEntry)).one()  # printed once, recorded once
    assert entry.detail["file"] == "batch.pdf"
    assert entry.detail["cases"] == [cases["dorm"], cases["superior"]]
    assert entry.detail["skipped"] == [cases["declined"]]


def test_a_name_that_is_not_a_pdf_is_refused_before_anything_is_printed(
    ledger: Ledger, cases: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slip", "--db", str(ledger.path), cases["dorm"], "-o", str(tmp_path / "a.docx")]) == 2
    assert capsys.readouterr().err == "错误：文件名应以 .pdf 结尾：a.docx。\n"
    assert not (tmp_path / "a.docx").exists()
    with ledger.session() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_every_font_in_the_pdf_is_embedded(ledger: Ledger, cases: dict[str, str], tmp_path: Path) -> None:
    _print(ledger, [cases["dorm"]], tmp_path / "a.pdf")
    fonts = {}
    for page in PdfReader(tmp_path / "a.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[font["/BaseFont"]] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
