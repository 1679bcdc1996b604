"""Files that stay private: the ledger and its WAL, backups, exports and temporary files are the user's only."""

from __future__ import annotations

import os
import stat
import tempfile
from datetime import date
from pathlib import Path

import pytest

from tests.engines import sqlite_only
from tests.helpers import draft
from xinfang_desk.cli import main
from xinfang_desk.export.exchange import ledger_workbook
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.export.progress import ExportCancelled
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.private_files import open_copy, remove_stale_temp, safe_filename, temp_root

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
YEAR = (date(2020, 1, 1), date(2030, 12, 31))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_the_ledger_and_its_wal_readable_by_the_user_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    old = os.umask(0o022)  # a usual umask: files would be 0644
    try:
        assert main(["init", "--db", str(path), "--unit-code", "JWC", "--unit-name", "教务处"]) == 0
        ledger = Ledger.open(path)
        with ledger.session() as s:
            Workflow(s, "接待员").register(draft())
        assert {p.name: mode(p) for p in tmp_path.iterdir()} == {
            "ledger.sqlite": 0o600,
            "ledger.sqlite-wal": 0o600,
            "ledger.sqlite-shm": 0o600,
        }
        ledger.close()
    finally:
        os.umask(old)


@sqlite_only
def test_an_older_world_readable_ledger_is_made_private_when_opened(ledger: Ledger) -> None:
    path = ledger.path
    ledger.close()
    os.chmod(path, 0o644)
    Ledger.open(path).close()
    assert mode(path) == 0o600


def test_backups_and_exports_are_private(ledger: Ledger, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with ledger.session() as s:
            Workflow(s, "接待员").register(draft())
        backup = tmp_path / "backup.sqlite"
        ledger.backup(backup)
        target = tmp_path / "full.xlsx"
        with ledger.session() as s:
            export_ledger(s, target, "科长", start=YEAR[0], end=YEAR[1], full=True)
        assert mode(backup) == 0o600 and mode(target) == 0o600
    finally:
        os.umask(old)


def _openpyxl_files() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("openpyxl")}


def test_a_cancelled_full_export_leaves_no_temporary_file_anywhere(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.session() as s:
        wf = Workflow(s, "接待员")
        for _ in range(30):
            wf.register(draft())
    before = _openpyxl_files()
    seen: list[list[str]] = []

    def cancelled() -> bool:
        seen.append([str(p) for p in temp_root().rglob("*") if p.is_file()])
        return bool(seen[-1])  # cancel once openpyxl has written something

    with pytest.raises(ExportCancelled), ledger.session() as s:
        export_ledger(
            s, tmp_path / "x.xlsx", "科长", start=YEAR[0], end=YEAR[1], full=True, cancelled=cancelled
        )
    assert any(files for files in seen)  # openpyxl's sheet was being written in the private folder …
    assert _openpyxl_files() == before  # … not in the shared temp folder
    assert not [p for p in temp_root().rglob("*") if p.is_file()]
    assert not (tmp_path / "x.xlsx").exists()


def test_an_export_that_cannot_be_audited_is_not_written(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise PermissionError("attempt to write a readonly database")

    monkeypatch.setattr(ledger_workbook.audit, "record_audit", refuse)
    target = tmp_path / "full.xlsx"
    with pytest.raises(PermissionError), ledger.session() as s:
        export_ledger(s, target, "科长", start=YEAR[0], end=YEAR[1], full=True)
    assert not target.exists() and list(tmp_path.glob("*.part")) == []


def test_a_killed_exports_temporary_folder_is_removed_at_the_next_start() -> None:
    orphan = temp_root() / "999999999-abc"  # a process id no system hands out
    orphan.mkdir()
    (orphan / "openpyxl.sheet.xml").write_text("340104199001011239")
    assert remove_stale_temp() >= 1
    assert not orphan.exists()


def test_an_opened_attachment_is_a_fresh_private_file_with_a_safe_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_copy("../../.bashrc", b"data")
    assert first.name == "bashrc" and first.parent.parent.parent == temp_root()
    assert mode(first) == 0o600 and mode(first.parent) == 0o700
    second = open_copy("信访件.pdf", b"pdf")
    assert second.parent != first.parent and second.read_bytes() == b"pdf"
    # a symlink planted where a copy goes is never written through
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "信访件.pdf").symlink_to(victim)
    monkeypatch.setattr("xinfang_desk.private_files.tempfile.mkdtemp", lambda **_kw: str(planted))
    with pytest.raises(OSError):
        open_copy("信访件.pdf", b"evil")
    assert victim.read_text() == "untouched"
    assert safe_filename("CON.txt") == "_CON.txt" and safe_filename('a<b>:"c"|?*.doc') == "a_b___c____.doc"
    assert safe_filename("") == "附件" and safe_filename("C:\\Users\\x\\报告.docx") == "报告.docx"
