"""Opening, creating and migrating a ledger; sessions with commit-or-rollback; the append-only guard.

A ledger is a SQLAlchemy database: normally one SQLite file in the user's data folder, possibly a
PostgreSQL URL.  Opening an older ledger upgrades its schema in place (Alembic), after a backup copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from xinfang_desk.ledger import sqlite
from xinfang_desk.ledger.errors import LedgerError, LedgerFileError
from xinfang_desk.ledger.models import Attachment, AuditEntry, Case, CaseEvent, LedgerInfo, Petitioner
from xinfang_desk.ledger.operations.context import Actor, OpContext

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PROTECTED = (Case, CaseEvent, Attachment, Petitioner, AuditEntry)
_APPEND_ONLY = (CaseEvent, AuditEntry)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _url_for(location: str | Path) -> tuple[str, Path | None]:
    text = str(location)
    if "://" in text:
        return text, None
    path = Path(text).expanduser().resolve()
    return f"sqlite:///{path}", path


def _refuse_changes_to_history(session: Session, _ctx: object, _instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, _PROTECTED):
            raise LedgerError("台账中的记录不可删除；错误的内容请以“更正”方式记录。")
    for obj in session.dirty:
        if isinstance(obj, _APPEND_ONLY) and session.is_modified(obj):
            raise LedgerError("历史记录和审计日志不可修改。")


class Ledger:
    """An open ledger: its engine, a session factory and the facts in ``ledger_info``."""

    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _refuse_changes_to_history)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | Path, *, create: bool = False) -> Ledger:
        """Open (and upgrade) a ledger; with ``create`` an absent file becomes an empty ledger."""
        url, path = _url_for(location)
        if path is not None:
            if path.is_dir():
                raise LedgerFileError(f"“{path}”是一个文件夹，不是台账文件。")
            if path.exists() and path.stat().st_size > 0 and not sqlite.looks_like_sqlite_file(path):
                raise LedgerFileError(f"“{path}”不是信访台账文件。")
            if not path.exists() or path.stat().st_size == 0:
                if not create:
                    raise LedgerFileError(f"台账文件不存在：{path}。请先用 init 或 demo 命令创建。")
                path.parent.mkdir(parents=True, exist_ok=True)
        # JSON keeps Chinese as it is: three bytes a character instead of a six-byte \uXXXX escape
        engine = create_engine(url, json_serializer=partial(json.dumps, ensure_ascii=False))
        if sqlite.is_sqlite(engine):
            sqlite.configure_engine(engine)
        try:
            _migrate(engine, path, create=create)
        except LedgerError:
            engine.dispose()
            raise
        except Exception as exc:  # a corrupt or foreign database
            engine.dispose()
            raise LedgerFileError(
                f"无法打开台账“{location}”：{exc.__class__.__name__}。文件可能已损坏。"
            ) from exc
        return cls(engine, path)

    def close(self) -> None:
        self.engine.dispose()

    # -- sessions ----------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def operation(self, actor: Actor, *, clock: Callable[[], datetime] = datetime.now) -> Iterator[OpContext]:
        """An operation context for ``actor`` whose session commits when the block ends normally."""
        with self.session() as session:
            yield OpContext(session, actor, clock=clock, ledger=self)

    def new_session(self) -> Session:
        """A plain session the caller commits and closes (used by long-lived readers)."""
        return self._sessions()

    # -- facts -------------------------------------------------------------------------------
    def info(self) -> dict[str, str]:
        with self.session() as s:
            return {row.key: row.value for row in s.scalars(select(LedgerInfo))}

    @property
    def unit_code(self) -> str:
        return self.info().get("unit_code", "")

    @property
    def is_office(self) -> bool:
        return LedgerInfo.is_office(self.info())


def _migrate(engine: Engine, path: Path | None, *, create: bool) -> None:
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        if tables - {"alembic_version"}:
            raise LedgerFileError("该数据库不是信访台账（缺少台账版本信息）。")
        if not create:
            raise LedgerFileError("该文件是一个空数据库，不是信访台账。")
    else:
        script = ScriptDirectory.from_config(alembic_config())
        if not _known(script, current):
            raise LedgerFileError("此台账由更新版本的程序创建，请升级 xinfang_desk 后再打开。")
        if current != script.get_current_head() and path is not None:
            stamp = datetime.now().strftime("%Y%m%d%H%M%S")
            sqlite.backup_file(path, path.with_name(f"{path.name}.before-upgrade-{current}-{stamp}.bak"))
    upgrade(engine, "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    return any(rev.revision == revision for rev in script.walk_revisions())


def upgrade(engine: Engine, target: str = "head") -> None:
    """Run the migrations up to ``target`` and (on SQLite) install the full-text index and guards."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        if sqlite.is_sqlite(engine) and target == "head":
            sqlite.install_speedups(conn)
