"""Backups and restore, and damage found before use: a damaged ledger is refused, its backup offered."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import stat
import subprocess
from datetime import datetime, tzinfo
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.commands.test_cli import run
from tests.commands.test_file_safety import small_mount
from tests.engines import postgresql_only
from tests.helpers import Clock, draft
from xinfang_desk.cli import main
from xinfang_desk.ledger import backups
from xinfang_desk.ledger.audit import BACKUP_LEDGER
from xinfang_desk.ledger.backups import (
    backup_due,
    backups_of,
    check_backup_folder,
    restore_backup,
    take_backup,
)
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerDamagedError, LedgerError, LedgerFileError
from xinfang_desk.ledger.models import AttachmentBlob, AuditEntry, Case
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.workflow import Workflow


def _fill(ledger: Ledger, count: int, *, attachment: bytes = b"") -> None:
    with ledger.session() as s:
        wf = Workflow(s, "接待员")
        for i in range(count):
            case = wf.register(draft(summary=f"第{i}件：图书馆空调噪音", content="夜间噪音影响休息" * 20))
            if attachment and i == 0:
                s.flush()
                wf.add_attachment(case, "来信扫描.pdf", attachment, "application/pdf")


def _count(path: Path) -> int:
    ledger = Ledger.open(path)
    try:
        with ledger.reading() as s:
            return int(s.scalar(select(func.count(Case.id))) or 0)
    finally:
        ledger.close()


def test_a_backup_is_private_sound_and_carries_the_attachments(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    scan = b"%PDF-1.4 scanned letter " + bytes(range(256)) * 40
    _fill(ledger, 5, attachment=scan)
    ledger.close()
    result = run("backup", "--db", str(path), "-o", str(tmp_path / "copy.sqlite"))
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy.sqlite"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not Path(str(copy) + "-wal").exists()
    assert _count(copy) == 5
    restored = Ledger.open(copy)
    with restored.reading() as s:
        assert [b.content for b in s.scalars(select(AttachmentBlob))] == [scan]
    assert restored.problems() == []
    restored.close()


def test_automatic_backups_rotate_in_their_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "usb"
    monkeypatch.setenv("XINFANG_DESK_BACKUP_DIR", str(folder))
    ledger = create_ledger(tmp_path / "l.sqlite", "JWC", "教务处")
    taken = []
    for i in range(5):
        _fill(ledger, 1)
        from datetime import datetime

        import xinfang_desk.ledger.backups as backups

        monkeypatch.setattr(backups, "datetime", _FixedClock(datetime(2026, 11, 1 + i, 18)))
        taken.append(take_backup(ledger, keep=3))
    ledger.close()
    kept = backups_of(tmp_path / "l.sqlite")
    assert kept == taken[:1:-1] and all(p.parent == folder / "l" for p in kept)
    assert _count(kept[0]) == 5 and _count(kept[-1]) == 3


class _FixedClock:
    def __init__(self, moment) -> None:  # noqa: ANN001
        self.moment = moment

    def now(self):  # noqa: ANN201
        return self.moment


def test_restore_backs_up_what_it_replaces_and_checks_the_result(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    _fill(ledger, 3)
    take_backup(ledger, tmp_path / "monday.sqlite")
    _fill(ledger, 4)
    ledger.close()
    result = run("restore", "--db", str(path), str(tmp_path / "monday.sqlite"))
    assert result.returncode == 0, result.stderr
    assert _count(path) == 3
    replaced = [p for p in backups_of(path) if "恢复前" in p.name]
    assert len(replaced) == 1 and _count(replaced[0]) == 7
    assert "完整性检查通过" in result.stdout


def test_restore_refuses_a_backup_whose_history_was_changed_and_changes_nothing(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    _fill(ledger, 3)
    backup = take_backup(ledger, tmp_path / "monday.sqlite")
    ledger.close()
    with sqlite3.connect(backup) as plain:  # a backup edited around the program
        plain.execute("DROP TRIGGER case_events_no_update")
        plain.execute("UPDATE case_events SET note = '从未登记' WHERE seq = 1 AND case_id = 1")
    before = path.read_bytes()
    with pytest.raises(LedgerFileError, match="历史记录在本程序之外被改动过"):
        restore_backup(backup, path)
    assert path.read_bytes() == before and not list(tmp_path.glob("*.restoring*"))
    assert not [p for p in backups_of(path) if "恢复前" in p.name], "nothing was replaced, so nothing saved"


def test_restore_refuses_a_file_that_is_not_a_sound_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    before = path.read_bytes()
    notes = tmp_path / "notes.txt"
    notes.write_text("不是台账", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="不是信访台账"):
        restore_backup(notes, path)
    assert path.read_bytes() == before


def _damage(path: Path, kind: str, seed: int) -> None:
    data = bytearray(path.read_bytes())
    rnd = random.Random(seed)
    middle = len(data) // 2
    at = (middle // 4096 + rnd.randrange(-20, 20)) * 4096  # a page in the middle of the file
    if kind == "flip":  # 40 bytes of its header and cell pointers (a flip inside a summary's text
        for i in range(40):  # is not something any database check can see)
            data[at + i] ^= 0xFF
    else:
        data[at : at + 4096] = rnd.randbytes(4096)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def backed_up_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a 1,500-case ledger and one automatic backup of it."""
    folder = tmp_path_factory.mktemp("damage")
    assert run("demo", "--db", str(folder / "l.sqlite"), "--cases", "1500", "--seed", "3").returncode == 0
    assert run("backup", "--db", str(folder / "l.sqlite")).returncode == 0
    return folder


@pytest.mark.parametrize(("kind", "seed"), [("flip", 0), ("flip", 4), ("block", 0), ("block", 3)])
def test_a_damaged_ledger_is_refused_for_writing_and_export_with_its_backup_offered(
    tmp_path: Path, backed_up_demo: Path, kind: str, seed: int
) -> None:
    shutil.copytree(backed_up_demo, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "l.sqlite"
    _damage(path, kind, seed)
    before = path.read_bytes()

    exported = run("export-ledger", "--db", str(path), "--year", "2025", "-o", str(tmp_path / "out.xlsx"))
    assert exported.returncode == 2 and "已损坏" in exported.stderr and "Traceback" not in exported.stderr
    assert str(backups_of(path)[0]) in exported.stderr  # the latest good backup is offered
    assert not (tmp_path / "out.xlsx").exists()
    assert path.read_bytes() == before

    try:
        ledger = Ledger.open(path)
    except LedgerDamagedError as refused:  # the quick check on open found it
        assert str(backups_of(path)[0]) in str(refused)
    else:  # only the full check finds it: from then on nothing is written
        with pytest.raises(LedgerDamagedError):
            ledger.require_sound()
        with pytest.raises(LedgerError, match="已损坏"), ledger.session() as s:
            Workflow(s, "接待员").register(draft())
        ledger.close()
    assert path.read_bytes() == before
    restored = run("restore", "--db", str(path), str(backups_of(path)[-1]))
    assert restored.returncode == 0, restored.stderr
    assert _count(path) == 1500


def test_restore_refuses_a_ledger_another_program_has_open_and_changes_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.commands.test_file_safety import HOLDER  # a program that has the ledger open and waits

    path = tmp_path / "l.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    _fill(ledger, 2)
    backup = take_backup(ledger, tmp_path / "monday.sqlite")
    _fill(ledger, 1)
    ledger.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(LedgerError, match="正被其他程序使用"):
            restore_backup(backup, path)
    finally:
        holder.kill()
        holder.wait()
    assert _count(path) == 3, "the ledger in use was not replaced"
    assert not [p for p in backups_of(path) if "恢复前" in p.name]


def test_the_daily_backup_is_due_after_a_day_not_twice_and_only_the_newest_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "l.sqlite"
    ledger = create_ledger(path, "JWC", "教务处")
    _fill(ledger, 2)
    clock = Clock(datetime(2025, 3, 1, 8))

    class Moved(datetime):  # the backups' clock (a backup's name carries the second it was taken)
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Moved:
            return cls.fromtimestamp(clock.now.timestamp(), tz)

    monkeypatch.setattr(backups, "datetime", Moved)
    folder = str(tmp_path / "share")
    assert backup_due(path, folder, clock.now), "no backup yet"
    taken = []
    for _day in range(5):
        backup = take_backup(ledger, configured=folder, keep=3)
        os.utime(backup, (clock.now.timestamp(), clock.now.timestamp()))
        taken.append(backup)
        assert not backup_due(path, folder, clock.now), "just taken"
        assert not backup_due(path, folder, clock.advance(hours=23)), "not twice in a day"
        assert backup_due(path, folder, clock.advance(hours=1)), "due once a day has passed"
    ledger.close()
    assert backups_of(path, folder) == taken[:1:-1], "the three newest are kept, newest first"
    assert not any(old.exists() for old in taken[:2])
    assert all(_count(kept) == 2 for kept in taken[2:])


def test_a_folder_backups_cannot_be_written_into_is_refused_in_one_sentence(tmp_path: Path) -> None:
    a_file = tmp_path / "笔记.txt"
    a_file.write_text("不是文件夹")
    with pytest.raises(LedgerFileError, match="不是文件夹") as caught:
        check_backup_folder(a_file)
    assert "请选择一个文件夹" in str(caught.value)
    with small_mount(tmp_path) as mount:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        with pytest.raises(LedgerFileError, match="只读的或没有写入权限") as caught:
            check_backup_folder(mount / "备份")
    assert "请选择另一个文件夹" in str(caught.value)
    made = check_backup_folder(tmp_path / "新建" / "备份")
    assert made.is_dir() and list(made.iterdir()) == []


@postgresql_only
def test_a_server_ledger_is_backed_up_only_to_a_named_file(
    ledger: Ledger, ledger_location: str, register_case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register_case()
    assert main(["backup", "--db", ledger_location]) == 2
    assert "请用 -o 指定备份文件" in capsys.readouterr().err
    with ledger.reading() as s:  # refused before anything was done: no backup recorded
        assert (
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == BACKUP_LEDGER))
            == 0
        )
    dump = tmp_path / "台账备份.dump"
    assert main(["backup", "--db", ledger_location, "-o", str(dump)]) == 0
    assert dump.read_bytes()[:5] == b"PGDMP" and stat.S_IMODE(dump.stat().st_mode) == 0o600


@postgresql_only
@pytest.mark.parametrize("tool", ["missing", "refusing"])
def test_without_a_working_pg_dump_a_server_ledger_is_backed_up_as_a_checked_ledger_file(
    ledger: Ledger,
    ledger_location: str,
    register_case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tool: str,
) -> None:
    """No pg_dump on the clerk's computer, or one older than the server: the backup is a ledger file,
    copied row by row and checked, that opens as it is and verifies."""
    from xinfang_desk.ledger.chain_check import verify_ledger
    from xinfang_desk.ledger.storage import postgresql

    for _ in range(3):
        register_case()
    refusing = tmp_path / "pg_dump"
    refusing.write_text(
        "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\nexit 1\n"
    )
    refusing.chmod(0o755)
    monkeypatch.setattr(
        postgresql.shutil, "which", lambda name: str(refusing) if tool == "refusing" else None
    )
    monkeypatch.setattr(postgresql, "_server_tool", lambda name: None)
    copy = tmp_path / "台账备份.sqlite"
    assert main(["backup", "--db", ledger_location, "-o", str(copy)]) == 0, capsys.readouterr().err
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00" and stat.S_IMODE(copy.stat().st_mode) == 0o600
    backed_up = Ledger.open(copy)
    try:
        with backed_up.reading() as b, ledger.reading() as a:
            assert b.scalar(select(func.count()).select_from(Case)) == a.scalar(
                select(func.count()).select_from(Case)
            )
            assert b.scalar(select(func.count()).select_from(Case)) == 3
            assert verify_ledger(b.connection()) == []
    finally:
        backed_up.close()


@pytest.mark.parametrize(("kind", "seed"), [("flip", 0), ("flip", 4), ("block", 0), ("block", 3)])
def test_reading_commands_on_a_damaged_ledger_answer_or_say_so_and_change_nothing(
    tmp_path: Path, backed_up_demo: Path, kind: str, seed: int
) -> None:
    """stats, cases and case show skip the quick check at opening (as the window does): on a damaged file
    each either answers or says 已损坏 in one sentence — never a traceback — and writes nothing."""
    shutil.copytree(backed_up_demo, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "l.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        first = conn.execute("SELECT case_no FROM cases ORDER BY id LIMIT 1").fetchone()[0]
    _damage(path, kind, seed)
    before = path.read_bytes()
    for command in (
        ["stats", "--year", "2025", "--json"],
        ["cases", "--limit", "5000"],
        ["case", "show", first],
    ):
        done = run(*command, "--db", str(path))
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 0 or (done.returncode == 2 and "已损坏" in done.stderr), done.stderr
    assert path.read_bytes() == before
