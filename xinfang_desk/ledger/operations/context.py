"""The operation context (who acts, in which session, at what time) and the record of what changed."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.errors import PermissionDenied, ValidationError
from xinfang_desk.ledger.permissions import Permission, Role

if TYPE_CHECKING:
    from xinfang_desk.ledger.db import Ledger
    from xinfang_desk.ledger.models import AuditEntry
    from xinfang_desk.ledger.workflow import Workflow

T = TypeVar("T")

#: The name recorded when the operating system gives none (some service accounts).
UNNAMED_SYSTEM_USER = "本机用户"


@dataclass(frozen=True)
class Actor:
    """The acting user, as recorded in events and the audit log, with the role that decides what they may do.

    A signed-in user carries the id of their account (``users.login`` makes such an actor); the role
    is then re-read from the ledger at every operation, so disabling a user or changing a role takes
    effect at once.  An actor with a ``role`` and no ``user_id`` is one the program itself vouches for
    (the demo's 演示管理员, a test); an actor with neither acts only in a ledger that has no users yet.
    """

    name: str
    role: Role | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        name = (self.name or "").strip()
        if not name:
            raise ValidationError("未指明操作人。")
        object.__setattr__(self, "name", name)

    @classmethod
    def of_system_user(cls) -> Actor:
        """The operating system's login name (the actor while a ledger has no users of its own)."""
        try:
            return cls(getpass.getuser())
        except Exception:  # no user name in the environment
            return cls(UNNAMED_SYSTEM_USER)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Changes:
    """What an operation changed: some cases, the reference data (departments, categories, settings), or all."""

    case_ids: frozenset[int] = frozenset()
    reference: bool = False
    everything: bool = False

    @property
    def any(self) -> bool:
        return bool(self.case_ids) or self.reference or self.everything

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.case_ids | other.case_ids,
            self.reference or other.reference,
            self.everything or other.everything,
        )


NO_CHANGES = Changes()


@dataclass(frozen=True)
class OpResult(Generic[T]):
    """An operation's value and the changes it caused."""

    value: T
    changes: Changes = NO_CHANGES


@dataclass
class OpContext:
    """Everything an operation needs: the session (committed by the caller), the actor and the clock."""

    session: Session
    actor: Actor
    clock: Callable[[], datetime] = datetime.now
    ledger: Ledger | None = None
    _workflow: Workflow | None = field(default=None, repr=False)
    _changes: Changes = field(default=NO_CHANGES, repr=False)
    _role: Role | None = field(default=None, repr=False)
    _role_checked: bool = field(default=False, repr=False)

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    @property
    def workflow(self) -> Workflow:
        """The workflow steps performed by this context's actor (one per context, so it caches lookups)."""
        if self._workflow is None:
            from xinfang_desk.ledger.workflow import Workflow

            self._workflow = Workflow(self.session, self.actor.name, clock=self.clock)
        return self._workflow

    def require(self, permission: Permission) -> None:
        """Refuse (``PermissionDenied``) unless the actor may do what ``permission`` names."""
        role = self._effective_role()
        if role is None:
            return
        if permission not in role.permissions:
            raise PermissionDenied(f"{role.label}“{self.actor.name}”无权{permission.label}。")

    def _effective_role(self) -> Role | None:
        """The role to check; None when the ledger has no users (anyone may act, as before users existed)."""
        if self._role_checked:
            return self._role
        if self.actor.user_id is not None:
            from xinfang_desk.ledger.users import current_role

            role = current_role(self.session, self.actor.user_id)
            if role is None:
                raise PermissionDenied(f"用户“{self.actor.name}”已停用或不存在，请重新登录。")
        elif self.actor.role is not None:
            role = self.actor.role
        elif ledger_info.ledger_has_users(self.session):
            raise PermissionDenied("此台账已启用用户登录，请先登录。")
        else:
            role = None
        self._role, self._role_checked = role, True
        return role

    def audit(self, action: str, detail: dict[str, Any]) -> AuditEntry:
        """Append one entry to the audit log, written by this context's actor."""
        from xinfang_desk.ledger.audit import record_audit

        return record_audit(self.session, self.actor.name, action, detail, clock=self.clock)

    def note_changes(self, changes: Changes) -> None:
        """Record changes the workflow cannot see (reference data, a whole merge)."""
        self._changes = self._changes | changes

    def changes(self) -> Changes:
        """What this context changed so far: every case a workflow step touched, and what was noted."""
        touched: frozenset[int] = frozenset()
        if self._workflow is not None and self._workflow.touched:
            self.session.flush()
            touched = frozenset(case.id for case in self._workflow.touched.values())
        return self._changes | Changes(case_ids=touched)

    def result(self, value: T) -> OpResult[T]:
        """``value`` with the changes made so far."""
        return OpResult(value, self.changes())
