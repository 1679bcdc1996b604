"""Operations that keep a ledger safe: the background integrity check, the program's own backups, and
备份台账 and 从备份恢复 when a person asks (each of those needs its permission and is audited).

The check and the backups the program takes by itself (daily, at close) need no permission: they keep
the ledger safe for whoever works in it.  A backup on request is a full, unmasked copy of the ledger,
and a restore replaces it, so they are the 单位负责人's and the 管理员's (``permissions``).
"""

from __future__ import annotations

from pathlib import Path

from xinfang_desk.ledger import audit
from xinfang_desk.ledger.backups import take_backup
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires


def integrity_problems(ctx: OpContext) -> list[str]:
    """What the full integrity check finds wrong with the context's ledger (empty when sound).

    The app runs it as the worker's first job after opening, before any write the user can start."""
    assert ctx.ledger is not None, "the check is of an open ledger"
    return ctx.ledger.problems()


def automatic_backup(ctx: OpContext, configured: str = "", keep: int | None = None) -> Path:
    """The program's own backup into the ledger's rotating folder (daily, at close): not audited, as
    it is nobody's request."""
    assert ctx.ledger is not None, "a backup is taken of an open ledger"
    return take_backup(ctx.ledger, configured=configured, keep=keep)


@requires(Permission.BACKUP)
def back_up_ledger(
    ctx: OpContext, dest: Path | None = None, *, configured: str = "", keep: int | None = None
) -> Path:
    """A backup at ``dest`` (or in the ledger's rotating folder); returns where it was written."""
    assert ctx.ledger is not None, "a backup is taken of an open ledger"
    if dest is None and ctx.ledger.path is None:
        raise ValidationError(
            "服务器上的台账没有默认的备份文件夹：请用 -o 指定备份文件（如 -o 台账备份.dump，pg_dump 格式），未作任何备份。"
        )
    saved = take_backup(ctx.ledger, dest, configured=configured, keep=keep)
    ctx.audit(audit.BACKUP_LEDGER, {"file": saved.name})
    return saved


@requires(Permission.RESTORE)
def allow_restore(ctx: OpContext, backup: Path) -> None:
    """The acting user may replace this ledger with ``backup``: recorded in the ledger being replaced,
    which the restore keeps as its 恢复前 backup.  The restore itself runs with the ledger closed.

    A ledger that failed its integrity check takes no writes: there the permission is checked (in a
    reading context) and nothing is recorded."""
    if ctx.ledger is not None and ctx.ledger.damaged:
        return
    ctx.audit(audit.RESTORE_LEDGER, {"file": Path(backup).name})


@requires(Permission.BACKUP)
def allow_copy(ctx: OpContext, target: str) -> None:
    """The acting user may copy this whole ledger into another database (``migrate-to``): recorded here."""
    ctx.audit(audit.BACKUP_LEDGER, {"to": target})
