"""The log file: written to the user's log folder, one handler however often set up, and rotated."""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from xinfang_desk import __version__, logs


def _our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "xinfang_desk", False)]


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh log folder, with whatever handler an earlier test installed taken off for this test."""
    earlier = _our_handlers()
    for handler in earlier:
        logging.getLogger().removeHandler(handler)
    folder = tmp_path / "日志"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    yield folder
    for handler in _our_handlers():
        logging.getLogger().removeHandler(handler)
        handler.close()
    for handler in earlier:
        logging.getLogger().addHandler(handler)


def test_the_log_starts_with_the_version_in_the_log_folder(log_dir: Path) -> None:
    path = logs.setup_logging()
    assert path == log_dir / logs.LOG_FILE_NAME == logs.log_file()
    logging.getLogger("xinfang_desk.ui.ops").warning("数据库操作失败：磁盘已满")
    text = path.read_text(encoding="utf-8")
    assert f"xinfang-desk {__version__} started" in text
    assert "WARNING xinfang_desk.ui.ops" in text and "磁盘已满" in text


def test_setting_up_twice_keeps_one_handler(log_dir: Path) -> None:
    first = logs.setup_logging()
    assert logs.setup_logging() == first
    assert len(_our_handlers()) == 1


def test_the_log_rotates_and_keeps_five_old_files(log_dir: Path) -> None:
    logs.setup_logging()
    (handler,) = _our_handlers()
    assert isinstance(handler, RotatingFileHandler)
    line = "案件 JWC-2025-0001 已交办。" * 20
    for _ in range(logs.MAX_BYTES * (logs.BACKUP_COUNT + 2) // len(line.encode()) + 1):
        logging.getLogger("xinfang_desk").info(line)
    files = sorted(p.name for p in log_dir.iterdir())
    assert files[0] == logs.LOG_FILE_NAME and len(files) == 1 + logs.BACKUP_COUNT
    assert all(p.stat().st_size <= logs.MAX_BYTES for p in log_dir.iterdir())


def test_an_unwritable_log_folder_means_no_log_not_a_crash(
    tmp_path: Path, log_dir: Path, monkeypatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(blocker / "log"))
    assert logs.setup_logging() is None
    assert _our_handlers() == []


def test_an_uncaught_error_is_logged_with_its_traceback(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed_over: list[type[BaseException]] = []
    monkeypatch.setattr("sys.excepthook", lambda kind, error, trace: handed_over.append(kind))
    path = logs.setup_logging()
    try:
        raise RuntimeError("台账文件被占用")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    text = path.read_text(encoding="utf-8")
    assert "CRITICAL xinfang_desk" in text and "RuntimeError: 台账文件被占用" in text and "Traceback" in text
    assert handed_over == [RuntimeError]


def test_the_log_and_its_folder_are_private(log_dir: Path) -> None:
    path = logs.setup_logging()
    logging.getLogger("xinfang_desk.test").warning("a line for support")
    assert "a line for support" in path.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_an_unexpected_error_on_the_command_line_is_one_sentence_and_logged(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from xinfang_desk import cli
    from xinfang_desk.chinese_argparse import EXIT_UNEXPECTED

    def broken(_args: object) -> int:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr("xinfang_desk.commands.ledger_commands.cmd_stats", broken)
    code = cli.main(["stats", "--year", "2025"])
    err = capsys.readouterr().err
    assert code == EXIT_UNEXPECTED
    assert str(logs.log_file()) in err and "Traceback" not in err and "secret detail" not in err
    assert "secret detail" in logs.log_file().read_text(encoding="utf-8")
