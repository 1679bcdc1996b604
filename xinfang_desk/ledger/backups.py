"""Backups of a ledger: taken by the storage backend's online backup, kept in a rotating folder, restored.

A backup is one self-contained file (the attachments live inside the ledger), readable by the user
only.  The automatic ones go to ``backup_folder`` (default: ``备份`` beside the ledger), at most
``backup_keep`` of them; the app takes one when it closes and when the latest is a day old.  A
restore first backs up the ledger it replaces, and only puts back a file that passes the
integrity check and opens as a ledger.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from xinfang_desk.ledger.errors import LedgerError, LedgerFileError, LedgerInUseError
from xinfang_desk.ledger.instance_lock import refuse_if_held
from xinfang_desk.ledger.storage import file_backend

if TYPE_CHECKING:
    from xinfang_desk.ledger.db import Ledger

BACKUP_SUFFIX = ".backup.sqlite"
#: How many automatic backups are kept, and how old the latest may be before another is taken.
DEFAULT_KEEP = 10
#: The fewest and the most automatic backups that may be kept (the 设置 page offers this range).
KEEP_RANGE = (1, 100)
DAILY = timedelta(days=1)
#: Environment variables that move the backup folder or change how many are kept (a USB stick,
#: a network share); the app's 设置 page chooses the same two for this computer (its settings win).
FOLDER_ENV = "XINFANG_DESK_BACKUP_DIR"
KEEP_ENV = "XINFANG_DESK_BACKUP_KEEP"


def backup_folder(ledger_path: Path, configured: str = "") -> Path:
    """Where automatic backups of ``ledger_path`` go."""
    chosen = configured or os.environ.get(FOLDER_ENV, "")
    if chosen:
        return Path(chosen).expanduser() / ledger_path.stem
    return ledger_path.with_name("备份") / ledger_path.stem


def backups_of(ledger_path: Path, configured: str = "") -> list[Path]:
    """The automatic backups of ``ledger_path``, newest first."""
    folder = backup_folder(ledger_path, configured)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"*{BACKUP_SUFFIX}"), key=lambda p: p.name, reverse=True)


def latest_backup(ledger_path: Path, configured: str = "") -> Path | None:
    found = backups_of(ledger_path, configured)
    return found[0] if found else None


def backup_name(ledger_path: Path, when: datetime) -> str:
    return f"{ledger_path.stem}-{when:%Y%m%d-%H%M%S}{BACKUP_SUFFIX}"


def take_backup(
    ledger: Ledger, dest: Path | None = None, *, configured: str = "", keep: int | None = None
) -> Path:
    """Back up the open ``ledger`` to ``dest`` or into its rotating folder (older ones beyond ``keep`` go)."""
    assert ledger.path is not None or dest is not None
    if dest is None:
        folder = backup_folder(ledger.path, configured)
        dest = folder / backup_name(ledger.path, datetime.now())
        partial = dest.with_name(dest.name + ".partial")
        ledger.backup(partial)
        os.replace(partial, dest)
        _rotate(ledger.path, configured, keep if keep is not None else _keep_from_env())
        return dest
    ledger.backup(dest)
    return dest


def backup_due(ledger_path: Path, configured: str = "", now: datetime | None = None) -> bool:
    """True when the latest automatic backup is a day old or there is none."""
    latest = latest_backup(ledger_path, configured)
    if latest is None:
        return True
    taken = datetime.fromtimestamp(latest.stat().st_mtime)
    return (now or datetime.now()) - taken >= DAILY


def kept_count(value: object) -> int:
    """How many backups to keep for a configured ``value`` (text or number), within ``KEEP_RANGE``."""
    try:
        count = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_KEEP
    return min(max(count, KEEP_RANGE[0]), KEEP_RANGE[1])


def _keep_from_env() -> int:
    return kept_count(os.environ.get(KEEP_ENV, DEFAULT_KEEP))


def check_backup_folder(folder: Path) -> Path:
    """The folder backups go into, made if missing; refused in one sentence if a backup cannot be
    written there (not a folder, read-only, no permission, a full disk, a stick pulled out)."""
    folder = folder.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".xinfang-desk-{os.getpid()}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except (FileExistsError, NotADirectoryError) as exc:
        raise LedgerFileError(f"“{folder}”不是文件夹，不能存放备份。请选择一个文件夹。") from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            said = f"备份文件夹“{folder}”所在的磁盘已满，不能存放备份。"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            said = f"备份文件夹“{folder}”是只读的或没有写入权限，不能存放备份。"
        else:
            said = f"无法在“{folder}”存放备份（{exc.strerror or exc}；U 盘或网络共享是否已连接？）。"
        raise LedgerFileError(said + "请选择另一个文件夹。") from exc
    return folder


def _rotate(ledger_path: Path, configured: str, keep: int) -> None:
    for old in backups_of(ledger_path, configured)[max(1, keep) :]:
        with contextlib.suppress(OSError):
            old.unlink()


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound ledger (read only: the file is not changed)."""
    if not path.is_file():
        raise LedgerFileError(f"备份文件不存在：{path}。")
    if path.stat().st_size == 0:
        raise LedgerFileError(f"备份文件“{path}”是空的（0 字节），不能用于恢复。")
    backend = file_backend()
    backend.check_file(path)
    if backend.file_problems(path):
        raise LedgerFileError(f"备份文件“{path}”已损坏（完整性检查未通过），不能用于恢复。请选择另一个备份。")


def restore_backup(
    backup: Path, ledger_path: Path, *, configured: str = "", opened_here: bool = False
) -> Path | None:
    """Put ``backup`` in place of ``ledger_path``; returns the backup taken of what it replaced.

    Refused while the app has the ledger open elsewhere or any program has the file open (unless
    ``opened_here``: the app restoring its own ledger, closed first), for a backup that is not
    a sound ledger, and for one whose history was changed around the program (checked on a staged
    copy, before anything is replaced).  The restored ledger is opened once (upgraded if older) and
    checked in full.
    """
    from xinfang_desk.ledger.db import Ledger

    backup = backup.expanduser().resolve()
    check_backup(backup)
    refuse_if_held(ledger_path)
    exists = ledger_path.exists() and ledger_path.stat().st_size > 0
    if exists and not opened_here and file_backend().in_use(ledger_path):
        raise LedgerInUseError(
            f"台账“{ledger_path}”正被其他程序使用，请先关闭信访台账程序和其他命令后再恢复。"
        )
    staged = ledger_path.with_name(ledger_path.name + ".restoring")
    shutil.copyfile(backup, staged)
    try:
        _require_intact_history(staged, backup.name)
    except BaseException:
        _remove_with_siblings(staged)
        raise
    saved: Path | None = None
    if exists:
        saved = _save_replaced(ledger_path, configured)
    for sibling in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(ledger_path) + sibling).unlink()
    os.replace(staged, ledger_path)
    ledger_path.chmod(0o600)
    restored = Ledger.open(ledger_path)
    try:
        restored.require_sound()
    finally:
        restored.close()
    return saved


def _require_intact_history(staged: Path, shown_name: str) -> None:
    """Refuse a backup whose history ``verify`` would name as changed (the staged copy is opened, not the file)."""
    from xinfang_desk.ledger.chain_check import verify_ledger
    from xinfang_desk.ledger.db import Ledger

    ledger = Ledger.open(staged, check=False)
    try:
        if not ledger.backend.seals_chain:
            return
        with ledger.reading() as session:
            findings = verify_ledger(session.connection())
    finally:
        ledger.close()
    for stray in staged.parent.glob(staged.name + ".before-upgrade-*"):  # the staged copy's own upgrade copy
        stray.unlink(missing_ok=True)
    if findings:
        raise LedgerFileError(
            f"备份“{shown_name}”中的历史记录在本程序之外被改动过（{len(findings)} 处，如：{findings[0].line()}），"
            "不能用来恢复；当前台账未作任何改动。"
        )


def _remove_with_siblings(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _save_replaced(ledger_path: Path, configured: str) -> Path:
    """A backup of the ledger about to be replaced (a plain copy if it no longer opens)."""
    from xinfang_desk.ledger.db import Ledger

    folder = backup_folder(ledger_path, configured)
    dest = folder / f"{ledger_path.stem}-{datetime.now():%Y%m%d-%H%M%S}-恢复前{BACKUP_SUFFIX}"
    try:
        ledger = Ledger.open(ledger_path, check=False)
        try:
            ledger.backup(dest)
        finally:
            ledger.close()
    except LedgerError:  # too damaged to open or read through: the bytes as they are
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ledger_path, dest)
        dest.chmod(0o600)
    return dest
