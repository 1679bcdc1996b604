"""Who may do what: the roles, the permissions each grants, and the ``requires`` mark on every operation.

A role is what a user is (接待员, 单位负责人, 管理员, and in the office 督办员); a permission is what an
operation needs.  The operation context checks it (``OpContext.require``) before any work, so hiding
a button is never the only thing between a user and a step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from xinfang_desk.ledger.vocab import EventKind


class Permission(Enum):
    """One thing an operation needs to be allowed; the value is the Chinese phrase of a refusal."""

    VIEW = "查看案件"
    REGISTER = "登记案件"
    RECORD_VISIT = "记录回访"
    DECIDE = "受理或不予受理"
    ASSIGN = "交办"
    HANDLE = "记录办理和答复"
    SUPERVISE = "督办"
    CLOSE = "办结或重开"
    EXPORT = "导出台账"
    EXPORT_FULL = "完整导出个人信息"
    PRINT = "打印文书"
    MERGE = "合并各单位台账"
    IMPORT = "导入原有台账"
    VIEW_AUDIT = "查看审计日志"
    SETTINGS = "修改设置"
    CALENDAR = "修改节假日安排"
    BACKUP = "备份台账"
    RESTORE = "恢复台账"
    USERS = "管理用户"

    @property
    def label(self) -> str:
        return self.value


_RECEPTION = frozenset({Permission.VIEW, Permission.REGISTER, Permission.RECORD_VISIT})
_HEAD = _RECEPTION | {
    Permission.DECIDE,
    Permission.ASSIGN,
    Permission.HANDLE,
    Permission.SUPERVISE,
    Permission.CLOSE,
    Permission.EXPORT,
    Permission.EXPORT_FULL,
    Permission.PRINT,
    Permission.MERGE,
    Permission.IMPORT,
    Permission.VIEW_AUDIT,
    Permission.BACKUP,
}
_SUPERVISOR = frozenset(
    {Permission.VIEW, Permission.SUPERVISE, Permission.EXPORT, Permission.PRINT, Permission.MERGE}
)


class Role(Enum):
    """A user's role; the value is stored in the ledger, ``label`` is what the user sees."""

    RECEPTIONIST = "receptionist"
    UNIT_HEAD = "unit_head"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self]

    @property
    def office_only(self) -> bool:
        """督办员 exists only in the 信访与督办室's ledger."""
        return self is Role.SUPERVISOR

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its code or its Chinese name."""
        text = (text or "").strip()
        for role in cls:
            if text in (role.value, role.label):
                return role
        raise ValueError(text)


_ROLE_LABELS = {
    Role.RECEPTIONIST: "接待员",
    Role.UNIT_HEAD: "单位负责人",
    Role.ADMIN: "管理员",
    Role.SUPERVISOR: "督办员",
}

#: What each role may do.  The administrator may do everything; a small unit's director often is one.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTIONIST: _RECEPTION,
    Role.UNIT_HEAD: frozenset(_HEAD),
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: _SUPERVISOR,
}

#: The permission each workflow step needs.
STEP_PERMISSIONS: dict[EventKind, Permission] = {
    EventKind.ACCEPT: Permission.DECIDE,
    EventKind.DECLINE: Permission.DECIDE,
    EventKind.FORWARD: Permission.DECIDE,
    EventKind.OBJECT: Permission.DECIDE,
    EventKind.ASSIGN: Permission.ASSIGN,
    EventKind.EXTEND: Permission.ASSIGN,
    EventKind.PROGRESS: Permission.HANDLE,
    EventKind.REPLY: Permission.HANDLE,
    EventKind.SUPERVISE: Permission.SUPERVISE,
    EventKind.EVALUATE: Permission.RECORD_VISIT,
    EventKind.CLOSE: Permission.CLOSE,
    EventKind.REOPEN: Permission.CLOSE,
    EventKind.REVISIT: Permission.REGISTER,
}

F = TypeVar("F", bound=Callable[..., Any])

#: Every operation marked with ``requires``: its qualified name and the permission (None: it checks
#: its own, as ``perform_step`` does per step).  The role test walks this list.
OPERATIONS: dict[str, Permission | None] = {}


def requires(permission: Permission | None) -> Callable[[F], F]:
    """Mark ``op(ctx, …)`` as needing ``permission``; the context checks it before the operation runs."""

    def mark(op: F) -> F:
        @functools.wraps(op)
        def checked(ctx: Any, *args: Any, **kwargs: Any) -> Any:
            if permission is not None:
                ctx.require(permission)
            return op(ctx, *args, **kwargs)

        checked.permission = permission  # type: ignore[attr-defined]
        OPERATIONS[f"{op.__module__}.{op.__qualname__}"] = permission
        return checked  # type: ignore[return-value]

    return mark
