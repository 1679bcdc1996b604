"""No destructive surprise and the right words: real ledgers are never replaced, foreign files never touched."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.commands.test_cli import run
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError, LedgerFileError
from xinfang_desk.ledger.reference import create_ledger

HOLDER = r"""
import sys, time
from sqlalchemy import text
from xinfang_desk.ledger.db import Ledger
ledger = Ledger.open(sys.argv[1])
with ledger.reading() as s:
    s.execute(text("SELECT count(*) FROM cases")).scalar()
print("open", flush=True)
time.sleep(60)
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_demo_replace_refuses_a_real_ledger_and_leaves_it_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "jwc.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    before = _files(tmp_path)
    result = run("demo", "--db", str(path), "--replace", "--cases", "5")
    assert result.returncode == 2
    assert "正式台账" in result.stderr and "Traceback" not in result.stderr
    assert _files(tmp_path) == before


def test_demo_replace_refuses_a_demo_ledger_another_program_has_open(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--cases", "3"]) == 0
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = run("demo", "--db", str(path), "--replace", "--cases", "5")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2 and "正被其他程序使用" in result.stderr
    assert main(["demo", "--db", str(path), "--replace", "--cases", "5"]) == 0  # free now: replaced
    ledger = Ledger.open(path)
    assert ledger.info()["demo"] == "1"
    ledger.close()


def test_demo_replace_refuses_another_programs_file(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
        conn.commit()
    before = _files(tmp_path)
    result = run("demo", "--db", str(path), "--replace")
    assert result.returncode == 2 and "不是演示台账" in result.stderr
    assert _files(tmp_path) == before


@pytest.mark.parametrize("journal", ["DELETE", "TRUNCATE", "WAL"])
def test_an_unknown_sqlite_file_is_unchanged_byte_for_byte(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('另一个程序的数据')")
        conn.commit()
    before = _files(tmp_path)
    for command in (["cases"], ["stats", "--year", "2025"]):
        result = run(*command, "--db", str(path))
        assert result.returncode == 2 and "不是信访台账" in result.stderr and "Traceback" not in result.stderr
    assert _files(tmp_path) == before


# -- the right words -------------------------------------------------------------------------------


@contextmanager
def small_mount(tmp_path: Path, size: str = "4m") -> Iterator[Path]:
    """A small tmpfs of its own (the tests run as root in CI; mounting is part of what they check)."""
    point = tmp_path / "mnt"
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], check=True)
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_missing_empty_folder_and_damaged_files_each_have_their_sentence(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"\xff" * 4000)
    said = {}
    for name, path in {
        "missing": tmp_path / "none.sqlite",
        "empty": empty,
        "folder": tmp_path,
        "damaged": damaged,
    }.items():
        with pytest.raises(LedgerFileError) as caught:
            Ledger.open(path)
        said[name] = str(caught.value)
    assert "不存在" in said["missing"]
    assert "是空的（0 字节）" in said["empty"]
    assert "是一个文件夹" in said["folder"]
    assert "损坏" in said["damaged"]
    assert len(set(said.values())) == 4


def test_a_full_disk_says_so(tmp_path: Path) -> None:
    with small_mount(tmp_path) as mount:
        ledger = create_ledger(mount / "l.sqlite", "JWC", "教务处")
        filler = mount / "filler"
        with filler.open("wb") as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        from tests.helpers import draft
        from xinfang_desk.ledger.workflow import Workflow

        with pytest.raises(LedgerError, match="磁盘已满") as caught:
            for i in range(200):
                with ledger.session() as s:
                    Workflow(s, "接待员").register(draft(summary=f"第{i}件", content="长" * 20000))
        assert "Traceback" not in str(caught.value)
        ledger.close()
        filler.unlink()


def test_a_ledger_on_a_read_only_mount_says_so(tmp_path: Path) -> None:
    with small_mount(tmp_path) as mount:
        create_ledger(mount / "l.sqlite", "JWC", "教务处").close()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = run("cases", "--db", str(mount / "l.sqlite"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "只读" in result.stderr and "损坏" not in result.stderr


def test_a_read_only_folder_is_told_apart_from_a_read_only_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root every permission bit is writable, so the operating system's answer is stood in for."""
    import os

    path = tmp_path / "l.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    real_access = os.access
    said = []
    for read_only in (path, tmp_path):
        monkeypatch.setattr(
            os, "access", lambda p, mode, ro=read_only: Path(p) != ro and real_access(p, mode)
        )
        with pytest.raises(LedgerFileError, match="只读") as caught:
            Ledger.open(path)
        said.append(str(caught.value))
    assert "台账文件" in said[0] and "文件夹" in said[1] and said[0] != said[1]
