"""年度统计报告: its lists (overdue cases, repeat petitioners, departments ranked), its charts, its fonts, and the
same figures as ``stats --json`` for the same year."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers import Clock, Registrar
from xinfang_desk.cli import main
from xinfang_desk.export.documents.annual_report import AnnualReport, make_annual_report
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.figure_table import format_value
from xinfang_desk.ledger.figures import FIGURE_LABELS, SCALAR_KEYS
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.vocab import Outcome, Satisfaction
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

YEAR = 2025
TODAY = date(2025, 12, 20)
#: The demo ledger's "today", the year whose report is checked against it, and the day the report is made
#: (two months on, so that some of the year's open cases are past their deadline).
DEMO_TODAY = date(2026, 11, 30)
DEMO_YEAR = 2026
REPORT_DAY = date(2027, 1, 31)
CHART_TITLES = (
    "类别占比（受理事项）",
    "信访形式",
    "各月登记量：本期与上年同期",
    "处理结果（三到位一处理）",
    "回访满意度",
    "各承办单位按期办结率（%）",
)
SECTIONS = ("一、主要指标", "二、图表", "三、超期未办结事项", "四、重复信访人", "五、承办单位按期办结率排名")


def _text(report: AnnualReport) -> str:
    """The report's text with all white space taken out (the layout breaks lines anywhere)."""
    return "".join("".join(page.extract_text().split()) for page in PdfReader(BytesIO(report.data)).pages)


def _section(text: str, heading: str) -> str:
    start = text.index(heading) + len(heading)
    later = [text.index(h, start) for h in SECTIONS if h in text[start:]]
    return text[start : min(later, default=len(text))]


def _handled(wf: Workflow, case: Case, department: str, at: datetime, closed_at: datetime) -> None:
    wf.accept(case, at=at)
    wf.assign(case, department, "请按期办理", at=at)
    wf.reply(case, Outcome.SOLVED, "已解决", at=at)
    wf.evaluate(case, Satisfaction.SATISFIED, at=at)
    wf.close(case, at=closed_at)


@pytest.fixture
def year_of_cases(ledger: Ledger) -> dict[str, str]:
    """A year worked by hand (case numbers by name).

    - 李玥 came three times: in March (handled by 后勤集团, closed on time), in April as a repeat of it,
      and in June as a repeat again; neither repeat was decided, so both are overdue on 20 December.
    - 王喆 came twice, not as a repeat (two different problems): no repeat petitioner.
    - 后勤集团 closed 2 of 2 on time, 图书馆 1 of 2 (one closed in November, past its deadline in July),
      教务处 0 of 1: ranked in that order.
    - A case of December 2024 is left open and overdue, but it is outside the year.
    """
    li = PetitionerInput(name="李玥", phone="13812345678")
    wang = PetitionerInput(name="王喆", phone="13912345678")
    with ledger.session() as s:
        wf = Workflow(s, "接待员", clock=Clock(datetime(2025, 12, 20, 9)))
        reg = Registrar(s, wf)
        reg("old", datetime(2024, 12, 2, 9), petitioner=wang)
        first = reg("li", datetime(2025, 3, 3, 9), petitioner=li)
        _handled(wf, first, "后勤集团", datetime(2025, 3, 4, 9), datetime(2025, 3, 10, 9))
        reg("li_again", datetime(2025, 4, 1, 9), petitioner=li, repeat_of=first.case_no)
        reg("li_third", datetime(2025, 6, 2, 9), petitioner=li, repeat_of=first.case_no)
        for name, when, department, closed_at in (
            ("hq", datetime(2025, 5, 6, 9), "后勤集团", datetime(2025, 5, 14, 9)),
            ("lib_on_time", datetime(2025, 5, 7, 9), "图书馆", datetime(2025, 5, 15, 9)),
            ("lib_late", datetime(2025, 5, 8, 9), "图书馆", datetime(2025, 11, 3, 9)),
            ("jwc_late", datetime(2025, 5, 9, 9), "教务处", datetime(2025, 11, 4, 9)),
        ):
            case = reg(name, when, petitioner=wang, summary=f"{name}：宿舍热水器损坏")
            _handled(wf, case, department, when.replace(hour=10), closed_at)
        return dict(reg.made)


def test_the_lists_name_the_overdue_cases_the_repeat_petitioners_and_rank_the_departments(
    ledger: Ledger, year_of_cases: dict[str, str]
) -> None:
    with ledger.session() as s:
        report = make_annual_report(s, date(YEAR, 1, 1), date(YEAR, 12, 31), today=TODAY)
        due = {c.case_no: c.due_on for c in s.scalars(select(Case))}
    text = _text(report)
    assert all(heading in text for heading in SECTIONS)
    assert report.title == f"教务处{YEAR}年度信访工作统计报告" and report.title in text

    overdue = _section(text, "三、超期未办结事项")
    listed = re.findall(r"JWC-\d{4}-\d{4}", overdue)
    assert listed == [year_of_cases["li_again"], year_of_cases["li_third"]]  # nearest deadline first
    for no in listed:  # each line: its deadline and how many days past it today
        assert f"{no}" in overdue and f"{due[no].isoformat()}{(TODAY - due[no]).days}" in overdue
    assert year_of_cases["old"] not in overdue  # overdue, but received before the year

    repeaters = _section(text, "四、重复信访人")
    li = [year_of_cases[k] for k in ("li", "li_again", "li_third")]
    assert f"李*32{'、'.join(li)}" in repeaters  # three cases, two of them repeats, all named
    assert "李玥" not in text and "王" not in repeaters  # masked; 王喆 was never a repeat

    ranking = _section(text, "五、承办单位按期办结率排名")
    assert re.findall(r"(\d)(后勤集团|图书馆|教务处)(\d)(\d)([\d.]+)%", ranking) == [
        ("1", "后勤集团", "2", "2", "100.0"),
        ("2", "图书馆", "2", "1", "50.0"),
        ("3", "教务处", "1", "0", "0.0"),
    ]


def test_a_year_without_such_cases_says_so_in_each_list(ledger: Ledger) -> None:
    with ledger.session() as s:
        text = _text(make_annual_report(s, date(YEAR, 1, 1), date(YEAR, 12, 31), today=TODAY))
    assert "目前没有超期未办结的" in text
    assert "统计期间没有重复信访" in text
    assert "统计期间没有已办结的交办事项" in text
    assert text.count("本期无数据") >= 4  # the charts stand, each saying it has nothing to show


@pytest.fixture
def demo_report(ledger: Ledger) -> tuple[AnnualReport, str]:
    build_demo(ledger, cases=300, seed=5, today=DEMO_TODAY)
    with ledger.session() as s:
        report = make_annual_report(s, date(DEMO_YEAR, 1, 1), date(DEMO_YEAR, 12, 31), today=REPORT_DAY)
    return report, _text(report)


def test_the_report_holds_every_figure_of_stats_json_for_the_same_year(
    ledger: Ledger, demo_report: tuple[AnnualReport, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _report, text = demo_report
    figures = {}
    for year in (DEMO_YEAR, DEMO_YEAR - 1):
        assert main(["stats", "--db", str(ledger.path), "--year", str(year), "--json"]) == 0
        figures[year] = json.loads(capsys.readouterr().out)
    table = _section(text, "一、主要指标")
    assert len(SCALAR_KEYS) == 14
    for key in SCALAR_KEYS:
        rate = key.endswith("_pct")
        now, last = (format_value(figures[y][key], rate) for y in (DEMO_YEAR, DEMO_YEAR - 1))
        assert f"{FIGURE_LABELS[key]}{now}{last}" in table, key
    assert figures[DEMO_YEAR]["received"] > 50  # a real year, not an empty one


def test_the_overdue_list_is_the_ledgers_overdue_filter_for_the_year(
    ledger: Ledger, demo_report: tuple[AnnualReport, str]
) -> None:
    _report, text = demo_report
    with ledger.session() as s:
        ids = case_ids(
            s,
            CaseFilter(
                overdue=True,
                received_from=date(DEMO_YEAR, 1, 1),
                received_to=date(DEMO_YEAR, 12, 31),
                today=REPORT_DAY,
            ),
        )
        expected = set(s.scalars(select(Case.case_no).where(Case.id.in_(ids))))
    listed = re.findall(r"JWC-\d{4}-\d{4}", _section(text, "三、超期未办结事项"))
    assert expected and sorted(listed) == sorted(expected)


def test_the_charts_are_drawn_with_their_legends(demo_report: tuple[AnnualReport, str]) -> None:
    report, text = demo_report
    charts = _section(text, "二、图表")
    for title in CHART_TITLES:
        assert title in charts
    assert (
        f"{DEMO_YEAR}年" in charts and f"{DEMO_YEAR - 1}年" in charts
    )  # the months' legend: this year against last
    assert "本期无数据" not in charts
    drawn = 0
    for page in PdfReader(BytesIO(report.data)).pages:
        content = page.get_contents().get_data()
        drawn += content.count(b" re f") + content.count(b" re B")  # filled bars and legend swatches
    assert drawn >= 30


def test_every_font_is_embedded_and_none_is_a_base_font(
    demo_report: tuple[AnnualReport, str], tmp_path
) -> None:
    report, _text_ = demo_report
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.data)
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert fonts
    for columns in fonts:
        name, embedded = columns[0], columns[-5]  # name … emb sub uni object generation
        assert embedded == "yes", columns
        assert "Helvetica" not in name and "Times" not in name, columns
