"""Shared test fixtures: Qt runs offscreen, a fresh ledger per test, Qt settings kept in a temp folder,
the holiday library fixed at 2004–2026."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The command line and the app write a log; the tests' goes to a temporary folder, not the user's.
os.environ["XINFANG_DESK_LOG_DIR"] = tempfile.mkdtemp(prefix="xinfang-desk-test-log-")
# Qt objects must die on the UI thread: no automatic collection (it could run on the database
# worker); each test's garbage is collected on the main thread after it (see ui/garbage.py).
gc.disable()

from tests import engines  # noqa: E402
from xinfang_desk.ledger.db import Ledger  # noqa: E402
from xinfang_desk.ledger.reference import create_ledger  # noqa: E402

#: The last year the holiday library is taken to cover in tests: a newer ``chinesecalendar`` that knows
#: 2027 must not turn the tests' estimated 2027 into official data.
LIBRARY_LAST_YEAR = 2026


@pytest.fixture(scope="session")
def installed_library_fingerprint() -> Callable[[], str]:
    """``calendar.library_fingerprint`` as the program has it, before the tests cap its years."""
    from xinfang_desk.ledger import calendar

    return calendar.library_fingerprint


@pytest.fixture(scope="session", autouse=True)
def _holiday_library_up_to_2026(installed_library_fingerprint: Callable[[], str]) -> Iterator[None]:
    from xinfang_desk.ledger import calendar

    real = calendar.library_covers
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calendar, "library_covers", lambda year: year <= LIBRARY_LAST_YEAR and real(year))
        # the installed version, its years capped: the same as a command run in a subprocess sees today
        version = calendar.library_fingerprint().split(":")[0]
        patch.setattr(calendar, "library_fingerprint", lambda: f"{version}:2004-{LIBRARY_LAST_YEAR}")
        yield


@pytest.fixture(scope="session")
def postgres() -> Iterator[str | None]:
    """The PostgreSQL server of this session (None when the tests run on SQLite)."""
    if not engines.on_postgresql():
        yield None
        return
    with engines.postgres_server() as url:
        yield url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, only the tests whose ledger lives on the server run: the rest would repeat the SQLite pass."""
    if not engines.on_postgresql():
        return
    kept = [item for item in items if "postgres" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def _ledger_template(postgres: str | None) -> str | None:
    """On PostgreSQL, the empty database at the newest schema that each test's ledger is copied from."""
    return engines.migrated_template(postgres) if postgres else None


def _new_location(folder: Path, postgres: str | None, template: str | None) -> Iterator[str | Path]:
    if postgres is None or template is None:
        yield folder / "ledger.sqlite"
        return
    url = engines.new_database(postgres, template)
    yield url
    engines.drop_database(url)


@pytest.fixture
def ledger_location(
    tmp_path: Path, postgres: str | None, _ledger_template: str | None
) -> Iterator[str | Path]:
    """Where a test's ledger lives: a temporary file, or a new database on the test PostgreSQL server."""
    yield from _new_location(tmp_path, postgres, _ledger_template)


@pytest.fixture(scope="module")
def module_location(
    tmp_path_factory: pytest.TempPathFactory, postgres: str | None, _ledger_template: str | None
) -> Iterator[str | Path]:
    """Where a ledger shared by the tests of one module lives (as ``ledger_location``)."""
    yield from _new_location(tmp_path_factory.mktemp("module"), postgres, _ledger_template)


@pytest.fixture
def empty_location(tmp_path: Path, postgres: str | None) -> Iterator[str | Path]:
    """Where a ledger can be made from nothing: a file not there yet, or an empty database on the test server."""
    if postgres is None:
        yield tmp_path / "empty.sqlite"
        return
    url = engines.new_database(postgres)
    yield url
    engines.drop_database(url)


@pytest.fixture
def ledger(ledger_location: str | Path) -> Iterator[Ledger]:
    """A new, empty ledger of the unit JWC (教务处), on the engine the tests run on."""
    opened = create_ledger(ledger_location, "JWC", "教务处")
    yield opened
    opened.close()


@pytest.fixture
def office(ledger_location: str | Path) -> Iterator[Ledger]:
    """A new, empty office ledger (信访与督办室, XFB) that merges the units' files, on the engine the tests run on."""
    opened = create_ledger(ledger_location, "XFB", "信访与督办室", office=True)
    yield opened
    opened.close()


@pytest.fixture
def qsettings_dir(tmp_path: Path) -> Iterator[Path]:
    """Point QSettings (native and INI, user scope) at a temp folder so tests never touch the user's."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    folder.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def register_case(ledger: Ledger):
    """Register a case through the workflow (a 学生 walk-in about 宿舍维修 unless overridden); returns its id."""
    from tests.helpers import draft
    from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

    def register(actor: str = "接待员", **overrides) -> int:
        petitioner = overrides.pop("petitioner", None) or PetitionerInput(name="张喆", phone="13812345678")
        with ledger.session() as session:
            case = Workflow(session, actor).register(draft(petitioner=petitioner, **overrides))
            session.flush()
            return case.id

    return register


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    yield
    gc.collect()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Collect what is left while Qt is still loaded, then keep the interpreter's final collection off it.

    Python's last collection at shutdown runs after Qt's application object is gone; a PySide6
    wrapper freed then can drop a reference it does not own (``none_dealloc``/``bool_dealloc``).
    The app does the same when it quits (``ui.app.main``).
    """
    from xinfang_desk.ui.garbage import settle_before_exit

    settle_before_exit()


@pytest.fixture(autouse=True, scope="session")
def _private_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's data and log folders (platformdirs) point into a temp folder: tests never touch the real ones."""
    base = tmp_path_factory.mktemp("user-folders")
    saved = {key: os.environ.get(key) for key in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    for key in saved:
        os.environ[key] = str(base / key.lower())
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
