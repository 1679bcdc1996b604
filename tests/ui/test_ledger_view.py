"""The 台账 page: lazy loading, filters, search-as-you-type and sorting give the rows a clerk expects."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, QSettings, Qt
from sqlalchemy import func, or_, select

from tests.helpers import draft
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.models import Case, Category, Department, Petitioner
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.vocab import Channel, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow
from xinfang_desk.ui.ledger_model import COLUMNS, PAGE, UNREADABLE, LedgerTableModel
from xinfang_desk.ui.ledger_view import PERIOD_TODAY, FilterState, LedgerPage
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.style import DUE_SOON_BACKGROUND, OVERDUE_BACKGROUND

OPEN = ("registered", "accepted", "assigned", "in_progress", "replied", "evaluated")
CASES = 450


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "demo.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    build_demo(ledger, cases=CASES - 6, seed=11, today=date.today())
    # Fresh walk-ins: two today, two that must be decided within the next few days.
    with ledger.session() as s:
        wf = Workflow(s, "接待员")
        now = datetime.now().replace(microsecond=0)
        for days_ago, name in ((0, "王喆"), (0, "赵堃"), (12, "钱昇"), (13, "孙玥")):
            wf.register(
                draft(
                    subcategory="",
                    summary="反映宿舍热水供应不稳定",
                    petitioner=PetitionerInput(name=name),
                    received_at=now - timedelta(days=days_ago),
                )
            )
        # Two assigned cases whose deadline has passed, whatever the demo's random draw left open.
        for days_ago, name in ((120, "李䶮"), (95, "周昇")):
            received = now - timedelta(days=days_ago)
            case = wf.register(
                draft(
                    channel=Channel.LETTER,
                    category="教学管理类",
                    subcategory="",
                    summary="反映补考安排通知过晚",
                    petitioner=PetitionerInput(name=name),
                    received_at=received,
                )
            )
            wf.accept(case, at=received + timedelta(days=1))
            wf.assign(case, "教务处", "请核实并答复", at=received + timedelta(days=2))
    ledger.close()
    return path


@pytest.fixture
def runner(demo_path, qtbot):
    from xinfang_desk.ledger.db import Ledger

    ledger = Ledger.open(demo_path)
    runner = OpRunner(ledger)
    yield runner
    runner.wait()
    ledger.close()


@pytest.fixture
def settings(tmp_path, qsettings_dir):
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def page(runner, settings, qtbot):
    page = LedgerPage(runner, settings)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    # the cases counted, and the filter bar's choices read (after the first rows)
    qtbot.waitUntil(
        lambda: not page.model.busy and page.model.total > 0 and bool(page.choices.years), timeout=10000
    )
    return page


def sql_count(runner, *conditions) -> int:
    with runner.ledger.session() as s:
        return int(s.scalar(select(func.count(Case.id)).where(*conditions)))


def wait_query(qtbot, page_or_model, action) -> None:
    model = getattr(page_or_model, "model", page_or_model)
    with qtbot.waitSignal(model.query_finished, timeout=10000):
        action()


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_model_holds_only_fetched_rows_and_grows_by_page(runner, qtbot):
    model = LedgerTableModel(runner)
    wait_query(qtbot, model, lambda: model.set_filter(CaseFilter()))
    assert model.total == sql_count(runner) == CASES
    assert model.rowCount() == PAGE < model.total
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * PAGE
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == CASES
    with runner.ledger.session() as s:
        newest_first = list(s.scalars(select(Case.case_no).order_by(Case.received_at.desc(), Case.id.desc())))
    shown = [
        model.index(r, COLUMNS.index(next(c for c in COLUMNS if c.key == "case_no"))).data()
        for r in range(CASES)
    ]
    assert shown == newest_first


def test_scrolling_the_view_fetches_more(page, qtbot):
    assert page.model.rowCount() < page.model.total
    before = page.model.rowCount()
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() > before, timeout=5000)
    assert page.count_label.text() == f"共 {CASES} 件"


def _today_bounds():
    start = datetime.combine(date.today(), time.min)
    return start, start + timedelta(days=1)


FILTERS = {
    "status_registered": (
        lambda p: choose(p.status_combo, "registered"),
        lambda: (Case.status == "registered",),
    ),
    "status_open": (
        lambda p: choose(p.status_combo, ",".join(OPEN)),
        lambda: (Case.status.in_(OPEN),),
    ),
    "channel_visit": (
        lambda p: choose(p.channel_combo, Channel.VISIT.value),
        lambda: (Case.channel == "visit",),
    ),
    "category_top": (
        lambda p: choose(p.category_combo, "后勤服务类"),
        lambda: (Case.category_id.in_(select(Category.id).where(Category.name == "后勤服务类")),),
    ),
    "subcategory": (
        lambda p: choose(p.category_combo, "成绩复核"),
        lambda: (Case.subcategory_id.in_(select(Category.id).where(Category.name == "成绩复核")),),
    ),
    "department": (
        lambda p: choose(p.department_combo, "后勤集团"),
        lambda: (Case.department_id.in_(select(Department.id).where(Department.name == "后勤集团")),),
    ),
    "year": (
        lambda p: choose(p.period_combo, str(date.today().year)),
        lambda: (
            Case.received_at >= datetime(date.today().year, 1, 1),
            Case.received_at < datetime(date.today().year + 1, 1, 1),
        ),
    ),
    "overdue": (
        lambda p: choose(p.deadline_combo, "overdue"),
        lambda: (Case.status.in_(OPEN), Case.due_on < date.today()),
    ),
    "due_soon": (
        lambda p: choose(p.deadline_combo, "due_soon"),
        lambda: (
            Case.status.in_(OPEN),
            Case.due_on >= date.today(),
            Case.due_on <= date.today() + timedelta(days=3),
        ),
    ),
    "overdue_and_assigned": (
        lambda p: (choose(p.deadline_combo, "overdue"), choose(p.status_combo, "assigned")),
        lambda: (Case.status == "assigned", Case.due_on < date.today()),
    ),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filter_bar_lists_the_same_cases_as_sql(page, runner, qtbot, name):
    set_widgets, conditions = FILTERS[name]
    set_widgets(page)
    wait_query(qtbot, page, page.run_query)
    expected = sql_count(runner, *conditions())
    assert 0 < expected < CASES, "the demo ledger should exercise this filter"
    assert page.model.total == expected
    assert page.count_label.text() == f"共 {expected:,} 件"
    assert page.model.rowCount() == min(expected, PAGE)


def test_search_runs_once_after_typing_stops(page, runner, qtbot):
    started = []
    page.model.query_started.connect(lambda: started.append(1))
    with qtbot.waitSignal(page.model.query_finished, timeout=5000):
        for char in "宿舍":  # typed one character at a time, as an input method commits them
            page.search_box.insert(char)
    assert len(started) == 1, "typing two characters should run one search, not one per key"
    pattern = "%宿舍%"
    names = select(Petitioner.id).where(Petitioner.name.like(pattern))
    expected = sql_count(
        runner,
        or_(
            Case.summary.like(pattern),
            Case.content.like(pattern),
            Case.case_no.like(pattern),
            Case.petitioner_id.in_(names),
        ),
    )
    assert 0 < expected < CASES
    assert page.model.total == expected


def test_search_by_petitioner_name(page, runner, qtbot):
    with runner.ledger.session() as s:
        name = s.scalar(select(Petitioner.name).join(Case, Case.petitioner_id == Petitioner.id).limit(1))
    page.search_box.setText(name)
    with qtbot.waitSignal(page.model.query_finished, timeout=5000):
        pass
    names = select(Petitioner.id).where(Petitioner.name.like(f"%{name}%"))
    assert page.model.total >= sql_count(runner, Case.petitioner_id.in_(names)) > 0


def test_header_click_sorts_by_any_column(page, runner, qtbot):
    header = page.table.horizontalHeader()
    case_no = next(i for i, c in enumerate(COLUMNS) if c.key == "case_no")
    with qtbot.waitSignal(page.model.query_finished, timeout=5000):
        header.setSortIndicator(case_no, Qt.SortOrder.AscendingOrder)
    with runner.ledger.session() as s:
        first = list(s.scalars(select(Case.case_no).order_by(Case.case_no).limit(5)))
    assert [page.model.index(r, case_no).data() for r in range(5)] == first

    petitioner = next(i for i, c in enumerate(COLUMNS) if c.key == "petitioner")
    with qtbot.waitSignal(page.model.query_finished, timeout=5000):
        header.setSortIndicator(petitioner, Qt.SortOrder.DescendingOrder)
    assert page.model.sort_key == "petitioner"
    with runner.ledger.session() as s:
        names = list(
            s.scalars(
                select(Petitioner.name)
                .join(Case, Case.petitioner_id == Petitioner.id)
                .order_by(Petitioner.name.desc(), Case.id.desc())
                .limit(5)
            )
        )
    assert [page.model.index(r, petitioner).data() for r in range(5)] == names


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_cases_without_a_deadline_come_last_in_either_order(page, runner, qtbot, order):
    header = page.table.horizontalHeader()
    due_on = next(i for i, c in enumerate(COLUMNS) if c.key == "due_on")
    with qtbot.waitSignal(page.model.query_finished, timeout=5000):
        header.setSortIndicator(due_on, order)
    model = page.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    shown = [model.index(r, due_on).data() for r in range(model.rowCount())]
    assert model.rowCount() == model.total == CASES
    blanks = shown.count("")
    assert 0 < blanks == sql_count(runner, Case.due_on.is_(None))
    dated = shown[: CASES - blanks]
    assert "" not in dated
    assert dated == sorted(dated, reverse=order == Qt.SortOrder.DescendingOrder)


def test_the_first_page_is_shown_before_the_matches_are_counted(runner, qtbot):
    model = LedgerTableModel(runner)
    seen: list[tuple[str, int]] = []
    model.first_page_shown.connect(lambda: seen.append(("page", model.rowCount())))
    model.query_finished.connect(lambda total: seen.append(("count", total)))
    wait_query(qtbot, model, lambda: model.set_filter(CaseFilter(statuses=[Status.CLOSED])))
    closed = sql_count(runner, Case.status == Status.CLOSED.value)
    assert closed > PAGE
    assert seen == [("page", PAGE), ("count", closed)]


def test_overdue_rows_are_red_and_due_soon_rows_amber(page, qtbot):
    choose(page.deadline_combo, "both")
    wait_query(qtbot, page, page.run_query)
    backgrounds = set()
    for r in range(page.model.rowCount()):
        case_id = page.model.case_id(r)
        color = page.model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole)
        backgrounds.add(color.name())
        assert case_id is not None
    assert OVERDUE_BACKGROUND.name() in backgrounds
    assert backgrounds <= {OVERDUE_BACKGROUND.name(), DUE_SOON_BACKGROUND.name()}


def test_a_page_that_cannot_be_read_shows_disabled_rows(runner, qtbot):
    model = LedgerTableModel(runner)

    def broken(_ids):
        raise OSError("disk unplugged")

    model.read_rows = broken
    wait_query(qtbot, model, lambda: model.set_filter(CaseFilter()))
    assert model.rowCount() == PAGE
    index = model.index(0, 0)
    assert index.data() == UNREADABLE
    assert model.flags(index) == Qt.ItemFlag.NoItemFlags


def test_enter_opens_the_selected_case(page, qtbot):
    page.table.setFocus()
    page.table.selectRow(3)
    expected = page.model.case_id(3)
    with qtbot.waitSignal(page.case_opened, timeout=2000) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert blocker.args == [expected]


def test_filters_and_columns_are_remembered(page, runner, settings, qtbot):
    choose(page.status_combo, "closed")
    page.search_box.setText("食堂")
    wait_query(qtbot, page, page.run_query)
    total = page.model.total
    satisfaction = next(i for i, c in enumerate(COLUMNS) if c.key == "satisfaction")
    page.show_column(satisfaction, True)
    page.table.horizontalHeader().moveSection(page.table.horizontalHeader().visualIndex(satisfaction), 0)
    page.save_layout()
    page.close()

    again = LedgerPage(runner, settings)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.model.busy and again.model.total == total, timeout=10000)
    assert again.search_box.text() == "食堂"
    assert again.status_combo.currentData() == "closed"
    header = again.table.horizontalHeader()
    assert not header.isSectionHidden(satisfaction)
    assert header.visualIndex(satisfaction) == 0


def test_a_dashboard_filter_is_shown_in_the_bar(page, runner, qtbot):
    today = date.today()
    f = CaseFilter(received_from=today, received_to=today, statuses=(Status.REGISTERED,), today=today)
    wait_query(qtbot, page, lambda: page.set_filter(f))
    assert page.period_combo.currentData() == PERIOD_TODAY
    assert page.status_combo.currentData() == "registered"
    start, end = _today_bounds()
    assert page.model.total == sql_count(
        runner, Case.received_at >= start, Case.received_at < end, Case.status == "registered"
    )


states = st.builds(
    FilterState,
    text=st.text(max_size=12),
    period=st.one_of(
        st.sampled_from(["all", "today"]),
        st.integers(2000, 2100).map(str),
        st.tuples(st.dates(), st.dates()).map(lambda d: f"{min(d)}~{max(d)}"),
    ),
    statuses=st.sets(st.sampled_from(list(Status))).map(lambda s: tuple(x.value for x in Status if x in s)),
    category=st.sampled_from(["", "教学管理类", "成绩复核"]),
    channel=st.sampled_from(["", *[c.value for c in Channel]]),
    department=st.sampled_from(["", "教务处"]),
    deadline=st.sampled_from(["", "overdue", "due_soon", "both"]),
)


@given(states)
def test_filter_state_survives_the_round_trip_through_a_case_filter_and_storage(state):
    today = date(2025, 6, 18)
    case_filter = state.to_filter(today, 3)
    assert FilterState.from_filter(case_filter).to_filter(today, 3) == case_filter
    assert FilterState.from_json(state.to_json()) == state


def test_down_from_the_search_box_moves_into_the_results_and_enter_opens(page, qtbot):
    page.focus_search()
    qtbot.waitUntil(page.search_box.hasFocus)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert page.table.hasFocus(), "Down leaves the search box for the results"
    assert page.table.currentIndex().row() == 0
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    expected = page.model.case_id(1)
    with qtbot.waitSignal(page.case_opened, timeout=2000) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert blocker.args == [expected]
