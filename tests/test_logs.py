"""The support log: a private rotating file in the user's log folder; the command line never shows a traceback."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from xinfang_desk import cli
from xinfang_desk.logs import log_folder, log_path, setup_logging


def test_the_log_is_a_private_file_in_the_users_log_folder() -> None:
    path = setup_logging()
    logging.getLogger("xinfang_desk.test").warning("a line for support")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert path == log_path() and path.parent == log_folder()
    assert "a line for support" in path.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unexpected_error_on_the_command_line_is_one_sentence_and_logged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_args: object) -> int:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr("xinfang_desk.commands.ledger_commands.cmd_stats", broken)
    code = cli.main(["stats", "--year", "2025"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_UNEXPECTED
    assert str(log_path()) in err and "Traceback" not in err and "secret detail" not in err
    assert "secret detail" in log_path().read_text(encoding="utf-8")
