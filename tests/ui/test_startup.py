"""Opening the window: the 台账's first page is read before anything else, and no heavy library loads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import func, select

from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations import trail
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ui import app as app_module
from xinfang_desk.ui import dashboard as dashboard_module
from xinfang_desk.ui import ledger_model, ledger_view
from xinfang_desk.ui.main_window import DASHBOARD, FIGURES, LEDGER, REGISTRATION, SETTINGS, MainWindow
from xinfang_desk.ui.ops import OpRunner

#: Libraries only exporting, printing, previewing, upgrading or signing in needs (a demo ledger has no users).
HEAVY = ("reportlab", "openpyxl", "pypdfium2", "alembic", "argon2")


def recorded(monkeypatch: pytest.MonkeyPatch, module: object, name: str, jobs: list[str]) -> None:
    """Replace ``module.name`` by the same operation noting, on the worker, that it ran."""
    real = getattr(module, name)

    def noted(*args, **kwargs):
        jobs.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, noted)


def opened_window(ledger, tmp_path: Path, qtbot, page: int | None = None) -> tuple[OpRunner, MainWindow]:
    """The main window on ``ledger``, its settings in ``tmp_path``, opening on ``page`` (else the default)."""
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    if page is not None:
        settings.setValue("window/page", page)
    runner = OpRunner(ledger)
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    return runner, window


@pytest.mark.parametrize("page", [LEDGER, DASHBOARD])
def test_the_first_page_is_read_before_the_dashboard_and_the_history_check(
    ledger, tmp_path, qsettings_dir, qtbot, monkeypatch, page
):
    build_demo(ledger, cases=300, seed=5, today=date.today())
    jobs: list[str] = []
    recorded(monkeypatch, ledger_model, "ledger_id_page", jobs)
    recorded(monkeypatch, dashboard_module, "dashboard_data", jobs)
    recorded(monkeypatch, trail, "verify", jobs)
    runner, window = opened_window(ledger, tmp_path, qtbot, page)
    window.first_page_ready.connect(lambda: app_module.start_background_checks(window, runner))
    window.show()
    qtbot.waitUntil(lambda: "verify" in jobs and window.dashboard.data is not None, timeout=20000)
    runner.wait()
    assert jobs == ["ledger_id_page", "dashboard_data", "verify"]
    assert window.ledger_page.model.rowCount() > 0
    assert window.dashboard.tiles, "the dashboard still shows its figures"


WINDOW_THEN_MODULES = r"""
import sys
from PySide6.QtCore import QTimer
from xinfang_desk.ui import app

shown = app.MainWindow.show


def report(window):
    print("loaded:", *sorted({name.split(".")[0] for name in sys.modules}), flush=True)
    window.close()


def show_then_report(self):
    shown(self)
    self.ledger_page.model.query_finished.connect(lambda _t: QTimer.singleShot(0, lambda: report(self)))


app.MainWindow.show = show_then_report
sys.exit(app.main(["--db", sys.argv[1]]))
"""


def _reported(
    script: str, tmp_path: Path, label: str, *, cases: int, seed: int, page: int | None = None
) -> list[str]:
    """Run ``script`` in a fresh process (its own home and settings, opening on ``page`` when given) on a
    demo ledger of ``cases`` (a demo: no sign-in dialog in the way) and return the words after ``label``
    on the line it prints."""
    path = tmp_path / "ledger.sqlite"
    ledger = create_ledger(path, "JWC", "教务处", demo=True)
    build_demo(ledger, cases=cases, seed=seed, today=date(2026, 11, 25))
    ledger.close()
    config = tmp_path / "config"
    if page is not None:
        (config / "xinfang_desk").mkdir(parents=True)
        (config / "xinfang_desk" / "xinfang_desk.conf").write_text(
            f"[window]\npage={page}\n", encoding="utf-8"
        )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config)}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return next(line for line in result.stdout.splitlines() if line.startswith(label)).split()[1:]


def test_opening_the_window_on_a_ledger_loads_no_export_print_or_upgrade_library(tmp_path: Path) -> None:
    loaded = _reported(WINDOW_THEN_MODULES, tmp_path, "loaded:", cases=200, seed=7)
    assert "PySide6" in loaded and "sqlalchemy" in loaded
    assert [name for name in HEAVY if name in loaded] == []


def test_the_dashboard_still_loads_when_the_filter_choices_cannot_be_read(
    ledger, tmp_path, qsettings_dir, qtbot, monkeypatch
):
    from xinfang_desk.ledger.errors import LedgerError
    from xinfang_desk.ui import ledger_view

    build_demo(ledger, cases=60, seed=5, today=date.today())

    def unreadable(_ctx):
        raise LedgerError("台账暂时无法读取。")

    monkeypatch.setattr(ledger_view, "filter_choices", unreadable)
    runner, window = opened_window(ledger, tmp_path, qtbot)
    window.show()
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=20000)
    runner.wait()
    assert window.ledger_page.model.total == 60, "the cases are listed with the choices the bar had"


def test_once_the_first_rows_are_drawn_the_matches_are_counted_before_the_filter_choices_are_read(
    ledger, tmp_path, qsettings_dir, qtbot, monkeypatch
):
    build_demo(ledger, cases=120, seed=6, today=date.today())
    jobs: list[str] = []
    recorded(monkeypatch, ledger_model, "ledger_id_page", jobs)
    recorded(monkeypatch, ledger_model, "matching_count", jobs)
    recorded(monkeypatch, ledger_view, "filter_choices", jobs)
    runner, window = opened_window(ledger, tmp_path, qtbot, LEDGER)
    asked_when_drawn: list[list[str]] = []
    window.first_page_drawn.connect(lambda: asked_when_drawn.append(list(jobs)))
    count = window.ledger_page.count_label
    window.show()
    qtbot.waitUntil(lambda: "filter_choices" in jobs and count.text() != "共 0 件", timeout=20000)
    runner.wait()
    assert asked_when_drawn == [["ledger_id_page"]], "the worker read the first page alone"
    assert jobs[:3] == ["ledger_id_page", "matching_count", "filter_choices"], (
        "共 N 件 comes before the choices"
    )
    with runner.ledger.session() as s:
        assert count.text() == f"共 {s.scalar(select(func.count(Case.id))):,} 件"


def test_the_first_rows_are_drawn_before_the_other_pages_are_built_and_every_page_still_opens(
    ledger, tmp_path, qsettings_dir, qtbot
):
    build_demo(ledger, cases=80, seed=3, today=date.today())
    runner, window = opened_window(ledger, tmp_path, qtbot, LEDGER)
    built_when_drawn: list[list[bool]] = []
    window.first_page_drawn.connect(
        lambda: built_when_drawn.append(
            [window.is_built(page) for page in (DASHBOARD, REGISTRATION, SETTINGS)]
        )
    )
    rows_when_drawn: list[int] = []
    window.first_page_drawn.connect(lambda: rows_when_drawn.append(window.ledger_page.model.rowCount()))
    with qtbot.waitSignal(window.first_page_ready, timeout=20000):
        window.show()
    assert rows_when_drawn and rows_when_drawn[0] > 0
    assert built_when_drawn == [[False, False, False]], "only the 台账 was built when its rows were drawn"
    assert not window.is_built(FIGURES), "统计分析 waits until it is first shown"
    qtbot.waitUntil(lambda: window.dashboard.data is not None and not runner.busy, timeout=20000)
    assert window.dashboard.tiles, "the dashboard has its figures ready before it is shown"
    assert window.settings_page.snapshot is not None, "设置 has its values ready before it is shown"

    for index, key in ((FIGURES, Qt.Key.Key_5), (REGISTRATION, Qt.Key.Key_2), (DASHBOARD, Qt.Key.Key_1)):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() == index
        assert window.stack.currentWidget() is window.page(index)
    assert window.figures_page.isVisible() is False and window.dashboard.isVisible()
    runner.wait()


#: The end of a script that calls its ``report(window)`` once the window's first 台账 rows are drawn.
REPORT_WHEN_DRAWN = r"""
built = app.MainWindow.__init__


def init_then_report(self, *args, **kwargs):
    built(self, *args, **kwargs)
    self.first_page_drawn.connect(lambda: report(self))


app.MainWindow.__init__ = init_then_report
sys.exit(app.main(["--db", sys.argv[1]]))
"""

WINDOW_DRAWN_THEN_MODULES = (
    r"""
import sys
from xinfang_desk.ui import app


def report(window):
    rows = window.ledger_page.model.rowCount()
    print("drawn:", rows, *sorted(name for name in sys.modules if name.startswith(("xinfang_desk.ui", "PySide6"))))
    window.close()
"""
    + REPORT_WHEN_DRAWN
)


def test_the_window_draws_its_first_rows_before_loading_the_figures_page_and_its_charts(
    tmp_path: Path,
) -> None:
    drawn = _reported(WINDOW_DRAWN_THEN_MODULES, tmp_path, "drawn:", cases=120, seed=9, page=LEDGER)
    assert int(drawn[0]) > 0, "the 台账 shows rows"
    loaded = set(drawn[1:])
    assert "xinfang_desk.ui.ledger_view" in loaded
    not_yet = {"xinfang_desk.ui.figures_page", "xinfang_desk.ui.charts", "PySide6.QtCharts"}
    not_yet |= {"xinfang_desk.ui.dashboard", "xinfang_desk.ui.registration", "xinfang_desk.ui.settings_page"}
    assert sorted(loaded & not_yet) == []


FIRST_ROWS_BEFORE_THE_REST = (
    r"""
import sys
from xinfang_desk.ui import app
from xinfang_desk.ui.ops import OpRunner

asked = []
call = OpRunner.call


def noted(self, op, *args, **kwargs):
    asked.append(getattr(op, "func", op).__name__)
    return call(self, op, *args, **kwargs)


OpRunner.call = noted


def report(window):
    rows = window.ledger_page.model.rowCount()
    print("drawn:", rows, "xinfang_desk.ledger.models" in sys.modules, *asked)
    window.close()
"""
    + REPORT_WHEN_DRAWN
)


def test_the_first_rows_are_read_alone_through_the_tables_before_the_orm_classes_load_and_counted_after(
    tmp_path: Path,
) -> None:
    """Until the first rows are on screen, the worker reads them and nothing else, and through the tables alone.

    The filter bar's choices and the count of the matches are asked once the rows are painted; the ORM's
    classes are declared and their mappers configured later too (a fifth of a second of every start).
    """
    rows, orm_loaded, *asked = _reported(
        FIRST_ROWS_BEFORE_THE_REST, tmp_path, "drawn:", cases=150, seed=4, page=LEDGER
    )
    assert int(rows) > 0
    assert asked == ["ledger_id_page"], (
        "only the first page was asked of the worker (its rows are read with it)"
    )
    assert orm_loaded == "False", "the first page waited neither for the ORM classes nor their mappers"
