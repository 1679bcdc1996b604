"""Opening, creating and migrating a ledger; sessions with commit-or-rollback; the append-only guard.

A ledger is a SQLAlchemy database: normally one SQLite file in the user's data folder, possibly a
PostgreSQL URL.  Opening an older ledger upgrades its schema in place (Alembic), after a backup copy;
opening also lets open cases follow a newer holiday library (``ledger.deadline_sync``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from xinfang_desk.ledger import chain, ledger_info, tables
from xinfang_desk.ledger.calendar import needs_sync
from xinfang_desk.ledger.errors import (
    BackupToolUnavailable,
    CaseChangedError,
    LedgerBusyError,
    LedgerDamagedError,
    LedgerError,
    LedgerFileError,
    ServerPasswordError,
    UpgradeCancelled,
)
from xinfang_desk.ledger.instance_lock import holder_of
from xinfang_desk.ledger.operations.context import Actor, OpContext
from xinfang_desk.ledger.schema_version import head_revision, known_revisions, stored_revision
from xinfang_desk.ledger.storage import BACKEND_KEY, ChangeWatch, StorageBackend, backend_for, file_url
from xinfang_desk.private_files import create_private_file, make_private

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_log = logging.getLogger(__name__)
#: the tables whose rows are never deleted, and of those the ones whose rows are never changed either
_PROTECTED = frozenset(
    {tables.cases, tables.case_events, tables.attachments, tables.petitioners, tables.audit_log}
)
_APPEND_ONLY = frozenset({tables.case_events, tables.audit_log})


def alembic_config() -> Config:
    from alembic.config import Config  # Alembic is loaded only when a schema must change

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _url_for(location: str | Path) -> tuple[str, Path | None]:
    text = str(location)
    if "://" in text:
        return text, None
    path = Path(text).expanduser().resolve()
    return file_url(path), path


_PASSWORD_WANTED = (
    "台账服务器要求该账户的密码：请在桌面程序连接时输入，或写在 .pgpass 文件或环境变量 PGPASSWORD 中。"
)
_PASSWORD_WRONG = "服务器密码不正确，台账服务器拒绝登录。请重新输入（注意大小写和输入法）。"


def _refuse_changes_to_history(session: Session, _ctx: object, _instances: object) -> None:
    for obj in session.deleted:
        if type(obj).__table__ in _PROTECTED:
            raise LedgerError("台账中的记录不可删除；错误的内容请以“更正”方式记录。")
    for obj in session.dirty:
        if type(obj).__table__ in _APPEND_ONLY and session.is_modified(obj):
            raise LedgerError("历史记录和审计日志不可修改。")


def _sealing(backend: StorageBackend) -> Callable[[Session], None]:
    """A ``before_commit`` hook: link the events and audit entries the transaction wrote into the chain."""

    def seal_before_commit(session: Session) -> None:
        session.flush()
        chain.seal(session.connection(), backend)

    return seal_before_commit


#: The actor of what the program records by itself (restoring a dropped guard).
SELF_CHECK_ACTOR = "系统自检"


class Ledger:
    """An open ledger: its engine, its storage backend, session factories and the facts in ``ledger_info``.

    Sessions that write (``session()``) begin as writers and so wait their turn behind another
    program's write; ``reading()`` sessions never take the write lock (long exports, lists).
    ``guards_missing_at_open`` names the append-only triggers that were found dropped when the ledger
    was opened (they are restored, and the finding is written to the audit log first).
    """

    def __init__(
        self,
        engine: Engine,
        path: Path | None,
        backend: StorageBackend,
        guards_missing_at_open: tuple[str, ...] = (),
    ) -> None:
        self.engine = engine
        self.path = path
        self.backend = backend
        self.guards_missing_at_open = guards_missing_at_open
        # every session carries the backend chosen at open (``storage.backend_of``)
        info = {BACKEND_KEY: backend}
        self._sessions = sessionmaker(backend.writer(engine), expire_on_commit=False, info=info)
        self._readers = sessionmaker(engine, expire_on_commit=False, info=info)
        #: set when the full integrity check failed: nothing may be written (nor exported) any more
        self.damaged = False
        self._office: bool | None = None
        self._watch: ChangeWatch | None = None
        for factory in (self._sessions, self._readers):
            event.listen(factory, "before_flush", _refuse_changes_to_history)
        if self.backend.seals_chain:
            event.listen(self._sessions, "before_commit", _sealing(self.backend))

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        location: str | Path,
        *,
        create: bool = False,
        check: bool = True,
        password: str | None = None,
        upgrade_with: Callable[[PendingUpgrade], None] | None = None,
    ) -> Ledger:
        """Open (and upgrade) a ledger; with ``create`` an absent file becomes an empty ledger.

        An older ledger is upgraded first by ``upgrade_with(pending)`` (``PendingUpgrade``), which shows
        its progress and may cancel it (``UpgradeCancelled``); by default it is upgraded silently.
        Whether one is due costs nothing more than reading the stored revision.

        Another program's file is refused before anything in it changes, and a ledger failing the
        quick integrity check is refused (``LedgerDamagedError``) unless ``check`` is false.
        ``password``: the server account's password, typed at sign-in; it lives only in this engine's
        memory (never in the location, settings or logs).  A server that wants one and got none, or
        refused the one given, raises ``ServerPasswordError``.
        """
        url, path = _url_for(location)
        if password is not None and path is None:
            url = make_url(url).set(password=password)
        if path is not None:
            _check_path(path, create=create)
            if not path.exists() or path.stat().st_size == 0:
                create_private_file(path)  # its WAL and shared-memory files take the same mode
            _keep_private(path)
        # JSON keeps Chinese as it is (three bytes a character instead of a six-byte \uXXXX escape), and
        # no blank after its commas and colons
        engine = create_engine(
            url, json_serializer=partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
        )
        backend = backend_for(engine)
        try:
            if path is not None and path.exists() and path.stat().st_size > 0:
                backend.check_file(path)
            backend.configure(engine)
            if check and path is not None and path.exists() and path.stat().st_size > 0:
                problems = backend.problems(engine, quick=True)
                if problems:
                    raise LedgerDamagedError(damaged_message(path))
            missing = _migrate(engine, backend, path, create=create, upgrade_with=upgrade_with)
        except LedgerError:
            engine.dispose()
            raise
        except Exception as exc:  # a corrupt or foreign database, a full disk, a read-only folder
            engine.dispose()
            refused = backend.password_refused(exc)
            if refused is not None:
                raise ServerPasswordError(
                    _PASSWORD_WANTED if refused == "missing" else _PASSWORD_WRONG,
                    missing=refused == "missing",
                ) from exc
            if backend.is_busy(exc):
                raise LedgerBusyError(f"台账“{location}”正由另一个程序写入，请稍候再试。") from exc
            if backend.is_damaged(exc):
                raise LedgerDamagedError(damaged_message(path)) from exc
            said = backend.error_message(exc)
            if said is not None:
                raise LedgerFileError(said) from exc
            raise LedgerFileError(
                f"无法打开台账“{location}”：{exc.__class__.__name__}。文件可能已损坏。"
            ) from exc
        engine.dispose()  # connections opened from now on note the rows they insert (``chain``)
        ledger = cls(engine, path, backend, tuple(missing))
        if missing:
            ledger._record_restored_guards(missing)
        with ledger.reading() as session:
            stale = needs_sync(session)
        ledger.read_fixed_facts()
        if stale:  # the reckoning (through the ORM classes) loads only when a ledger needs it
            from xinfang_desk.ledger.deadline_sync import sync_at_open

            with ledger.session() as session:
                sync_at_open(session)
        return ledger

    def _record_restored_guards(self, missing: list[str]) -> None:
        from xinfang_desk.ledger.audit import GUARDS_RESTORED, record_audit

        with self.session() as session:
            record_audit(session, SELF_CHECK_ACTOR, GUARDS_RESTORED, {"triggers": missing})

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        self.engine.dispose()

    def changed_cases(self) -> frozenset[int]:
        """The cases whose history other programs (another clerk, the command line) extended since the
        previous call — and, where the backend cannot tell them apart, this program's own; the first
        call starts watching and reports none."""
        if self._watch is None:
            self._watch = self.backend.watch_changes(self.engine)
            return frozenset()
        return self._watch.changed_cases()

    # -- sessions ----------------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back on any error.

        A database error a user can act on (busy, disk full, read-only, damaged) becomes a
        ``LedgerError`` with its Chinese sentence.
        """
        if write and self.damaged:
            raise LedgerDamagedError(damaged_message(self.path))
        session = (self._sessions if write else self._readers)()
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            told = self.translated(exc)
            if told is None:
                raise
            raise told from exc
        finally:
            session.close()

    def reading(self) -> AbstractContextManager[Session]:
        """A session for reading only: it never waits for, nor holds up, a writer."""
        return self.session(write=False)

    @contextmanager
    def operation(
        self, actor: Actor, *, clock: Callable[[], datetime] = datetime.now, write: bool = True
    ) -> Iterator[OpContext]:
        """An operation context for ``actor`` whose session commits when the block ends normally.

        ``write=False`` gives a reading session: it never waits for, nor holds up, a writer.
        """
        with self.session(write=write) as session:
            yield OpContext(session, actor, clock=clock, ledger=self)

    def new_session(self) -> Session:
        """A plain writing session the caller commits and closes."""
        return self._sessions()

    def translated(self, error: BaseException) -> LedgerError | None:
        """The ``LedgerError`` a user is shown for a database or file error, or None if there is none."""
        if isinstance(error, StaleDataError):
            return CaseChangedError("该案件刚被其他人修改过，本次操作没有保存。请刷新查看最新情况后再办理。")
        if isinstance(error, LedgerError) or not isinstance(error, DBAPIError | OSError):
            return None
        if self.backend.is_busy(error):
            return LedgerBusyError(self.busy_message())
        said = self.backend.error_message(error)
        return LedgerError(said) if said is not None else None

    def busy_message(self) -> str:
        """台账正由…使用: who holds the ledger, as far as the lock file tells."""
        holder = holder_of(self.path) if self.path is not None else None
        if holder is not None and not (holder.is_here and holder.pid == os.getpid()):
            who = f"{holder.describe()}的信访台账程序"
        else:
            who = "另一个程序（导入、合并、备份或命令行）"
        return f"台账正由{who}使用，请稍候再试。"

    # -- safety ------------------------------------------------------------------------------
    def backup(self, dest: Path) -> None:
        """A consistent copy of the ledger (attachments included: they live inside it) at ``dest``.

        Where the database's own tool cannot make it (no pg_dump here, or it refused), the copy is a
        ledger file made row by row and checked (``transfer.copy_ledger``): it opens as it is, and goes
        back to a server with ``migrate-to``.
        """
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                dest.unlink()
            create_private_file(dest)  # it holds full ID and phone numbers
            try:
                self.backend.backup(self.engine, dest)
            except BackupToolUnavailable as unavailable:
                _log.warning("backup of %s as a ledger file: %s", self.location_key, unavailable)
                self._copy_as_ledger_file(dest)
        except LedgerError:
            raise
        except (DBAPIError, OSError) as exc:
            said = self.backend.error_message(exc)
            raise LedgerError(said or f"备份未能写入“{dest}”：{exc}") from exc

    def _copy_as_ledger_file(self, dest: Path) -> None:
        from xinfang_desk.ledger.transfer import copy_ledger

        dest.unlink()  # made afresh, private, by the copy
        report = copy_ledger(self, dest)
        _keep_private(dest)
        if not report.ok:
            raise LedgerError(f"备份“{dest}”与台账核对不一致：{'；'.join(report.differences[:3])}。")

    def problems(self, *, quick: bool = False) -> list[str]:
        """What the database's integrity check finds wrong (empty when sound)."""
        return self.backend.problems(self.engine, quick=quick)

    def require_sound(self) -> None:
        """Raise ``LedgerDamagedError`` unless the full integrity check passes (before export or merge).

        A failed check also refuses every later write of this ledger.
        """
        try:
            found = self.problems()
        except DBAPIError as exc:
            found = [str(exc)]
        if found:
            self.damaged = True
            raise LedgerDamagedError(damaged_message(self.path))

    # -- facts -------------------------------------------------------------------------------
    def info(self) -> dict[str, str]:
        with self.reading() as s:
            return ledger_info.read(s)

    @property
    def unit_code(self) -> str:
        return self.info().get("unit_code", "")

    def read_fixed_facts(self) -> None:
        """Read the facts fixed when the ledger was made (at opening, and once ``create_ledger`` wrote them),
        so the screens ask them of the ledger without a query."""
        with self.reading() as session:
            self._office = ledger_info.office_ledger(session)

    @property
    def is_office(self) -> bool:
        """The office's merged ledger (fixed when the ledger was made: read at opening, then remembered)."""
        if self._office is None:
            self.read_fixed_facts()
        assert self._office is not None
        return self._office

    @property
    def location_key(self) -> str:
        """Where the ledger lives, as one string (its file, or its server URL without the password)."""
        if self.path is not None:
            return str(self.path.resolve())
        return self.engine.url.set(password=None).render_as_string(hide_password=False)

    @property
    def is_demo(self) -> bool:
        """A demo ledger (``demo``, ``--demo``): opened without signing in, as 演示管理员."""
        return ledger_info.is_demo(self.info())


def _keep_private(path: Path) -> None:
    """The ledger and its -wal/-shm files readable by their owner only (an older ledger was 0644)."""
    for suffix in ("", "-wal", "-shm"):
        make_private(path.with_name(path.name + suffix))


def damaged_message(path: Path | None) -> str:
    """The sentence for a ledger that failed its integrity check, naming the latest good backup."""
    from xinfang_desk.ledger.backups import latest_backup

    where = f"“{path}”" if path is not None else ""
    latest = latest_backup(path) if path is not None else None
    offer = (
        f"最近的备份是“{latest}”，可用“xinfang-desk restore 备份文件”或“文件 → 从备份恢复…”恢复。"
        if latest is not None
        else "没有找到备份；请联系管理员。"
    )
    return f"台账文件{where}已损坏（完整性检查未通过），为防止数据进一步丢失，不能再写入或导出。{offer}"


def _check_path(path: Path, *, create: bool) -> None:
    """A folder, a missing file or an empty one each get their own sentence."""
    if path.is_dir():
        raise LedgerFileError(f"“{path}”是一个文件夹，不是台账文件。")
    if not path.exists():
        if not create:
            raise LedgerFileError(f"台账文件不存在：{path}。请先用 init 或 demo 命令创建。")
    elif path.stat().st_size == 0 and not create:
        raise LedgerFileError(
            f"台账文件“{path}”是空的（0 字节），里面没有任何数据。可能是复制或保存时中断；请从备份恢复。"
        )
    elif not os.access(path, os.W_OK):
        raise LedgerFileError(
            f"台账文件“{path}”是只读的，不能登记或修改。请检查文件属性（取消“只读”），或复制到可写的位置。"
        )
    if path.exists() and not os.access(path.parent, os.W_OK):
        raise LedgerFileError(
            f"台账所在的文件夹“{path.parent}”是只读的（或 U 盘、光盘处于写保护状态），无法写入。"
            "请把台账放到可写的文件夹。"
        )
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerFileError(f"无法创建文件夹“{path.parent}”：没有写入权限或磁盘不可用。") from exc


def _migrate(
    engine: Engine,
    backend: StorageBackend,
    path: Path | None,
    *,
    create: bool,
    upgrade_with: Callable[[PendingUpgrade], None] | None = None,
) -> list[str]:
    """Upgrade the schema to the head; returns the append-only triggers that had been dropped.

    A ledger already at the head only gets its indexes and guards checked: Alembic is not loaded.
    An older one is upgraded by ``upgrade_with(pending)`` (default: ``PendingUpgrade.run``, silently).
    """
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        current = stored_revision(conn) if "alembic_version" in tables else None
        missing = backend.missing_guards(conn) if current is not None else []
    if current is None:
        if tables - {"alembic_version"}:
            raise LedgerFileError("该数据库不是信访台账（缺少台账版本信息）。")
        if not create:
            raise LedgerFileError("该文件是一个空数据库，不是信访台账。")
        upgrade(engine, "head", backend)  # a new ledger
        if path is not None:
            backend.compact(engine)
    elif current not in known_revisions():
        raise LedgerFileError("此台账由更新版本的程序创建，请升级 xinfang_desk 后再打开。")
    elif current == head_revision():
        with engine.begin() as conn:
            backend.install(conn)
    else:
        (upgrade_with or PendingUpgrade.run)(PendingUpgrade(engine, backend, path, current))
    return missing


#: The stages of an upgrade at opening, in the words ``PendingUpgrade.run`` reports them with.
BACKING_UP, UPGRADING, COMPACTING = "备份", "升级", "整理"

#: ``report(stage, done, total)``: how far an upgrade's stage is (``total`` 0: not known).
UpgradeReport = Callable[[str, int, int], None]


def _unreported(_stage: str, _done: int, _total: int) -> None:
    pass


def _never() -> bool:
    return False


class PendingUpgrade:
    """An older ledger's schema upgrade, due as it is opened (``Ledger.open``'s ``upgrade_with`` runs it).

    For a file, a copy of the ledger is saved first (``backup_path``); then every migration runs in one
    transaction, so that a kill at any moment leaves the ledger as it was or upgraded, never in
    between; then the file is compacted (``StorageBackend.compact``: a transaction of its own).
    """

    def __init__(self, engine: Engine, backend: StorageBackend, path: Path | None, current: str) -> None:
        self.engine, self.backend, self.path, self.current = engine, backend, path, current
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        #: the copy saved before upgrading (a file; a server's database is backed up by its own tools)
        self.backup_path = (
            path.with_name(f"{path.name}.before-upgrade-{current}-{stamp}.bak") if path is not None else None
        )
        known = known_revisions()
        steps: list[str] = []
        revision: str | None = head_revision()
        while revision is not None and revision != current:
            steps.append(revision)
            revision = known[revision]
        #: the migrations to run, oldest first
        self.steps = steps[::-1]

    @property
    def versions(self) -> str:
        """台账版本 from and to, as the user is told them (e.g. ``0013 → 0014``)."""
        return f"{self.current} → {self.steps[-1]}"

    @property
    def stages(self) -> tuple[str, ...]:
        return (BACKING_UP, UPGRADING, COMPACTING) if self.path is not None else (UPGRADING,)

    def expected_wait(self) -> str:
        """约需…: how long the upgrade may take, guessed from the file's size ("" when short or unknown);
        about 30 s for a file of 100,000 cases (360 MB)."""
        size = self.path.stat().st_size if self.path is not None else 0
        for least, wait in ((600, "约需几分钟"), (100, "约需数十秒"), (20, "约需十几秒")):
            if size >= least * 2**20:
                return wait
        return ""

    def run(self, report: UpgradeReport = _unreported, cancelled: Callable[[], bool] = _never) -> None:
        """Copy, upgrade and compact, telling ``report`` each stage as it goes.

        Until the upgrade's commit, ``cancelled()`` is asked between steps and during long statements:
        once true, the upgrade stops and rolls back, the copy just made is removed, and
        ``UpgradeCancelled`` is raised (the ledger as it was).  The compaction is not cancelled.
        """

        def stop_if_cancelled() -> None:
            if cancelled():
                raise UpgradeCancelled(self.cancelled_message())

        def copied(done: int, total: int) -> None:
            report(BACKING_UP, done, total)
            stop_if_cancelled()

        def applied(done: int) -> None:
            report(UPGRADING, done, len(self.steps))
            stop_if_cancelled()

        try:
            if self.backup_path is not None:
                report(BACKING_UP, 0, 0)
                create_private_file(self.backup_path)  # it holds full ID and phone numbers
                self.backend.backup(self.engine, self.backup_path, copied)
            applied(0)
            upgrade(self.engine, "head", self.backend, applied=applied, stop=cancelled)
        except BaseException as exc:
            if not cancelled():
                raise
            if self.backup_path is not None:  # the ledger is as it was: the copy of it is not needed
                self.backup_path.unlink(missing_ok=True)
            if isinstance(exc, UpgradeCancelled):
                raise
            raise UpgradeCancelled(self.cancelled_message()) from exc  # a statement interrupted
        if self.path is not None:
            report(COMPACTING, 0, 0)
            self.backend.compact(self.engine)  # rows an upgrade rewrote smaller leave room in their pages

    def cancelled_message(self) -> str:
        where = f"“{self.path}”" if self.path is not None else ""
        return f"已取消升级：台账{where}未作任何改动（仍是旧版本，案件一个不少），本次没有打开。下次打开时会再次升级。"


def upgrade(
    engine: Engine,
    target: str = "head",
    backend: StorageBackend | None = None,
    *,
    applied: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = _never,
) -> None:
    """Run the migrations up to ``target`` in one transaction; at the head, the backend installs its
    indexes and guards.

    ``applied(n)`` is called once the n-th migration has run (an exception it raises rolls everything
    back); a long statement is interrupted, and everything rolled back, once ``stop()`` turns true.
    """
    from alembic import command

    backend = backend or backend_for(engine)
    cfg = alembic_config()
    count = 0

    def step_done(**_step: object) -> None:
        nonlocal count
        count += 1
        if applied is not None:
            applied(count)

    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["on_version_apply"] = step_done
        with backend.stoppable(conn, stop):
            command.upgrade(cfg, target)
            if target == "head":
                backend.install(conn)
