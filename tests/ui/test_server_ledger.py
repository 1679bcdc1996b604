"""A ledger on a database server from the window: its address typed in the first-run dialog and in 设置,
and the server account's password asked when connecting — refused in Chinese when wrong, never kept.

The tests that take ``ledger_location``/``empty_location`` run on the PostgreSQL pass against the server
(there the place typed is a server address); the password tests need that server's accounts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import create_engine, text

from tests import engines
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ServerPasswordError
from xinfang_desk.paths import URL_PASSWORD_REFUSED
from xinfang_desk.ui.first_run import FirstRunDialog
from xinfang_desk.ui.ledger_place import PLACE_KEY, LedgerPlaceSettings, remembered_location
from xinfang_desk.ui.server_login import ServerPasswordDialog, open_with_password_if_needed

WITH_PASSWORD = "postgresql+psycopg://jwc:天王盖地虎@台账服务器:5432/jwc"


@pytest.fixture
def settings(tmp_path: Path, qsettings_dir: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def _first_run(tmp_path: Path, qtbot) -> FirstRunDialog:
    dialog = FirstRunDialog(tmp_path / "default.sqlite")
    qtbot.addWidget(dialog)
    dialog.unit_name.setText("教务处")
    dialog.unit_code.setText("JWC")
    return dialog


# -- the first-run dialog ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address", [WITH_PASSWORD, "postgresql+psycopg://jwc@台账服务器/jwc?password=天王盖地虎"]
)
def test_the_first_run_dialog_refuses_a_server_address_holding_a_password(tmp_path, qtbot, address):
    dialog = _first_run(tmp_path, qtbot)
    dialog.place.setText(address)
    for button in (dialog.create_button, dialog.join_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.error.text() == URL_PASSWORD_REFUSED
        assert dialog.result() != FirstRunDialog.DialogCode.Accepted and dialog.ledger is None
    assert not (tmp_path / "default.sqlite").exists()


def test_the_first_run_dialog_takes_a_server_address_and_says_when_the_server_cannot_be_reached(
    tmp_path, qtbot
):
    dialog = _first_run(tmp_path, qtbot)
    dialog.place.setText("postgresql+psycopg://jwc@127.0.0.1:1/jwc")  # nothing listens on port 1
    qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=20000)
    assert "无法连接台账数据库服务器" in dialog.error.text()
    assert dialog.isEnabled() and dialog.ledger is None


def test_the_first_run_dialog_creates_the_ledger_at_the_place_typed(empty_location, tmp_path, qtbot):
    dialog = _first_run(tmp_path, qtbot)
    dialog.place.setText(f"  {empty_location}  ")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == FirstRunDialog.DialogCode.Accepted, timeout=30000)
    assert dialog.ledger is not None and dialog.ledger.unit_code == "JWC"
    assert str(dialog.location) == str(empty_location)
    dialog.ledger.close()
    assert not (tmp_path / "default.sqlite").exists()


def test_the_first_run_dialog_joins_a_ledger_another_clerk_made(ledger, ledger_location, tmp_path, qtbot):
    dialog = _first_run(tmp_path, qtbot)
    dialog.unit_code.setText("")  # joining asks nothing about the unit
    dialog.place.setText(str(ledger_location))
    qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == FirstRunDialog.DialogCode.Accepted, timeout=30000)
    assert dialog.ledger is not None and dialog.ledger.location_key == ledger.location_key
    dialog.ledger.close()


# -- 设置 → 台账位置 ---------------------------------------------------------------------------------
def test_settings_refuse_an_address_with_a_password_and_keep_one_without(settings, qtbot):
    box = LedgerPlaceSettings(settings, "本机")
    qtbot.addWidget(box)
    box.place.setText(WITH_PASSWORD)
    assert not box.save()
    assert box.message.text() == URL_PASSWORD_REFUSED
    assert settings.value(PLACE_KEY, "") == ""

    box.place.setText("postgresql+psycopg://jwc@台账服务器:5432/jwc")
    assert box.save()
    assert remembered_location(QSettings(settings.fileName(), QSettings.Format.IniFormat)) == (
        "postgresql+psycopg://jwc@台账服务器:5432/jwc"
    )


# -- the server password ----------------------------------------------------------------------------
PASSWORD = "Xf-服务器-2026!"


def _admin(server: str, *statements: str) -> list[list[tuple]]:
    """Run ``statements`` as the server's superuser; the rows of each (none for a statement without)."""
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            results = [conn.execute(text(s)) for s in statements]
            return [list(map(tuple, r.all())) if r.returns_rows else [] for r in results]
    finally:
        engine.dispose()


def _write_hba(server: str, lines: list[str]) -> None:
    rows = ", ".join("'" + line + "'" for line in lines)
    _admin(
        server,
        f"COPY (SELECT unnest(ARRAY[{rows}])) TO '"
        + _admin(server, "SELECT current_setting('hba_file')")[0][0][0]
        + "'",
        "SELECT pg_reload_conf()",
    )


_TRUST = ["local all all trust", "host all all 127.0.0.1/32 trust", "host all all ::1/128 trust"]


@pytest.fixture
def password_account(postgres, ledger, ledger_location) -> Iterator[str]:
    """The test ledger's address under an account that must give ``PASSWORD`` (no .pgpass holds it)."""
    if postgres is None:
        pytest.skip("needs a database server's accounts: runs on the PostgreSQL pass")
    methods = {row[0] for row in _admin(postgres, "SELECT auth_method FROM pg_hba_file_rules")[0]}
    if methods != {"trust"}:
        pytest.skip("changes the server's pg_hba.conf: only on the throw-away test server")
    role = f"xf_clerk_{os.getpid()}"
    _admin(
        postgres, f"DROP ROLE IF EXISTS {role}", f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{PASSWORD}'"
    )
    _write_hba(postgres, [f"host all {role} 127.0.0.1/32 scram-sha-256", *_TRUST])
    address = str(ledger_location).replace("://postgres@", f"://{role}@")
    deadline = time.monotonic() + 10
    while True:  # the server reads pg_hba.conf again a moment after the reload
        try:
            Ledger.open(address, check=False).close()
        except ServerPasswordError:
            break
        assert time.monotonic() < deadline, "the server did not start asking for the password"
        time.sleep(0.1)
    ledger.close()
    yield address
    _write_hba(postgres, _TRUST)
    _admin(postgres, f"DROP ROLE IF EXISTS {role}")


@engines.postgresql_only
def test_a_wrong_server_password_is_refused_in_chinese_and_the_dialog_stays(
    password_account, settings, qsettings_dir, qtbot
):
    opened: list[str | None] = []

    def opener(password: str | None) -> Ledger:
        opened.append(password)
        return Ledger.open(password_account, check=False, password=password)

    dialog = ServerPasswordDialog(password_account, opener)
    qtbot.addWidget(dialog)
    dialog.show()
    said = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert dialog.windowTitle() == "连接台账服务器" and "账户 xf_clerk_" in said

    dialog.password.setText("猜的密码")
    dialog.connect_to_server()
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=20000)
    assert dialog.error.text().startswith("服务器密码不正确")
    assert dialog.isVisible() and dialog.isEnabled() and dialog.ledger is None
    assert dialog.password.text() == ""  # typed again, not corrected

    dialog.password.setText(PASSWORD)
    dialog.connect_to_server()
    qtbot.waitUntil(lambda: dialog.ledger is not None, timeout=20000)
    assert dialog.result() == ServerPasswordDialog.DialogCode.Accepted
    ledger = dialog.ledger
    try:
        assert ledger.unit_code == "JWC"
        assert PASSWORD not in ledger.location_key and "***" not in ledger.location_key
    finally:
        ledger.close()
    assert opened == ["猜的密码", PASSWORD]
    _assert_written_nowhere(qsettings_dir)


@engines.postgresql_only
def test_the_app_asks_for_the_server_password_only_when_the_server_wants_one(
    password_account, settings, qsettings_dir, qtbot
):
    def answer() -> None:
        ask = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, ServerPasswordDialog) and w.isVisible()
        )
        ask.password.setText(PASSWORD)
        ask.connect_to_server()

    QTimer.singleShot(300, answer)
    ledger = open_with_password_if_needed(
        password_account, lambda password: Ledger.open(password_account, check=False, password=password)
    )
    assert ledger is not None and ledger.unit_code == "JWC"
    ledger.close()
    _assert_written_nowhere(qsettings_dir)


def _assert_written_nowhere(*folders: Path) -> None:
    """The password is in no settings file and no log."""
    logs = Path(os.environ["XINFANG_DESK_LOG_DIR"])
    for folder in (*folders, logs):
        for path in folder.rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_server_ledger_without_a_password_need_opens_without_asking(ledger, ledger_location, qtbot):
    """With .pgpass (or a server that trusts the account) no password is asked: the ledger just opens."""
    asked: list[str | None] = []

    def opener(password: str | None) -> Ledger:
        asked.append(password)
        return Ledger.open(ledger_location, check=False, password=password)

    opened = open_with_password_if_needed(ledger_location, opener)
    assert opened is not None and opened.unit_code == "JWC"
    opened.close()
    assert asked == [None]


def test_the_place_saved_in_settings_is_the_ledger_the_app_opens_next(
    ledger, ledger_location, qsettings_dir, qtbot
):
    from xinfang_desk.ui import app as app_module
    from xinfang_desk.ui.main_window import app_settings
    from xinfang_desk.ui.ops import OpRunner
    from xinfang_desk.ui.settings_page import SettingsPage

    runner = OpRunner(ledger)
    page = SettingsPage(runner, app_settings())
    qtbot.addWidget(page)
    assert page.ledger_place.title() == "台账位置（本机）"
    page.ledger_place.place.setText(str(ledger_location))
    assert page.ledger_place.save()
    runner.wait()

    opened, needs_demo = app_module.open_or_set_up(app_module.parse_args([]))
    assert opened is not None and not needs_demo
    assert opened.location_key == ledger.location_key and opened.unit_code == "JWC"
    opened.close()


def test_an_empty_place_is_asked_for_in_both_dialogs(tmp_path, settings, qtbot):
    dialog = _first_run(tmp_path, qtbot)
    dialog.place.setText("   ")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text().startswith("请填写台账位置") and dialog.ledger is None
    box = LedgerPlaceSettings(settings, "本机")
    qtbot.addWidget(box)
    box.place.setText("")
    assert not box.save() and box.message.text() == dialog.error.text()
