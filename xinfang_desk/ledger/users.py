"""Users of a ledger: the first administrator, signing in (Argon2, lockout), and the 管理员's user operations.

Once a ledger has a user, every operation needs a signed-in actor (``OpContext.require``).  Passwords are
stored only as Argon2id hashes.  Five wrong passwords lock an account for a quarter of an hour; a new
or reset password must be changed at the first sign-in.  Scripts sign in with a token a 管理员 issues
(only its SHA-256 is stored).  Users are never deleted, only disabled: events name them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import audit, ledger_info
from xinfang_desk.ledger.errors import AuthenticationError, PermissionDenied, ValidationError
from xinfang_desk.ledger.models import AuditEntry, User
from xinfang_desk.ledger.operations.context import Actor, Changes, OpContext, OpResult
from xinfang_desk.ledger.permissions import Permission, Role, requires

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from xinfang_desk.ledger.db import Ledger

#: Wrong passwords in a row before an account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_WRONG = "用户名或密码错误。"


@cache
def _hasher() -> PasswordHasher:
    """Argon2's hasher, loaded at the first password: a ledger without users never needs it."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so a wrong name takes as long as a wrong password.

    Made at the first unknown name, not when the program starts: hashing takes a good part of a second.
    """
    return _hasher().hash("xinfang-desk-no-such-user")


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the actor, and whether the password must be changed before anything else."""

    actor: Actor
    must_change_password: bool


@dataclass(frozen=True)
class UserItem:
    """A user as the 用户 list shows them."""

    id: int
    name: str
    role: Role
    active: bool
    locked_until: datetime | None
    must_change_password: bool
    has_token: bool


def users_removed_outside(session: Session) -> bool:
    """The audit log records an administrator, yet the users table is empty: emptied by another program."""
    if session.scalar(select(User.id).limit(1)) is not None:
        return False
    return (
        session.scalar(select(AuditEntry.id).where(AuditEntry.action == audit.CREATE_ADMIN).limit(1))
        is not None
    )


def current_role(session: Session, user_id: int) -> Role | None:
    """The role of an active user (None: disabled or unknown)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Role(user.role)


def check_password_strength(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    if password.strip() != password:
        raise ValidationError("密码首尾不能是空格。")
    return password


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写用户名。")
    if len(name) > 100:
        raise ValidationError("用户名太长（最多100个字符）。")
    return name


def _role_for(session: Session, role: Role | str) -> Role:
    try:
        role = role if isinstance(role, Role) else Role.parse(role)
    except ValueError:
        names = "、".join(r.label for r in Role)
        raise ValidationError(f"没有“{role}”这种角色。可选：{names}。") from None
    if role.office_only and not ledger_info.office_ledger(session):
        raise ValidationError(f"“{role.label}”只用于信访与督办室的汇总台账。")
    return role


def _new_user(session: Session, name: str, role: Role, password: str, by: str, now: datetime) -> User:
    if session.scalar(select(User).where(func.lower(User.name) == name.lower())) is not None:
        raise ValidationError(f"用户“{name}”已存在。")
    user = User(
        name=name,
        role=role.value,
        password_hash=_hasher().hash(check_password_strength(password)),
        must_change_password=True,
        failed_logins=0,
        active=True,
        created_at=now,
        created_by=by,
    )
    session.add(user)
    session.flush()
    return user


def _actor(user: User) -> Actor:
    return Actor(user.name, role=Role(user.role), user_id=user.id)


# -- the first administrator ------------------------------------------------------------------------------
def create_administrator(
    session: Session, name: str, password: str, *, clock: Callable[[], datetime] = datetime.now
) -> Actor:
    """The ledger's first user, a 管理员 (refused once the ledger has users); returns them as the actor."""
    if ledger_info.ledger_has_users(session) or users_removed_outside(session):
        raise PermissionDenied("此台账已有管理员；新用户请由管理员添加。")
    now = clock().replace(microsecond=0)
    user = _new_user(session, _name(name), Role.ADMIN, password, _name(name), now)
    user.must_change_password = False  # they just chose it
    ledger_info.store(session, ledger_info.USERS_ENABLED_KEY, "1")
    audit.record_audit(session, user.name, audit.CREATE_ADMIN, {"user": user.name}, clock=clock)
    return _actor(user)


def create_first_administrator(
    ledger: Ledger, name: str, password: str, *, clock: Callable[[], datetime] = datetime.now
) -> Actor:
    """``create_administrator`` in a transaction of its own on ``ledger`` (the command line, the first run)."""
    with ledger.session() as session:
        return create_administrator(session, name, password, clock=clock)


# -- signing in -------------------------------------------------------------------------------------------
def sign_in(
    session: Session, name: str, password: str, *, clock: Callable[[], datetime] = datetime.now
) -> SignIn:
    """Check a user name and password.  A failure is recorded (and may lock the account) in ``session``,
    which the caller commits before raising the ``AuthenticationError`` on (see ``Ledger.sign_in``)."""
    now = clock().replace(microsecond=0)
    user = session.scalar(select(User).where(func.lower(User.name) == (name or "").strip().lower()))
    if user is None:
        _verify(_dummy_hash(), password or "")
        audit.record_audit(
            session, "未知用户", audit.LOGIN_FAILED, {"user": (name or "").strip()[:100]}, clock=clock
        )
        raise AuthenticationError(_WRONG)
    if not user.active:
        raise AuthenticationError(f"用户“{user.name}”已停用，请联系管理员。")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthenticationError(
            f"用户“{user.name}”因多次密码错误已锁定，请于 {user.locked_until:%H:%M} 后再试，或请管理员重置密码。"
        )
    if not _verify(user.password_hash, password or ""):
        user.failed_logins += 1
        detail: dict[str, object] = {"user": user.name, "failures": user.failed_logins}
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            detail["locked_until"] = user.locked_until.isoformat()
        audit.record_audit(session, user.name, audit.LOGIN_FAILED, detail, clock=clock)
        if user.locked_until is not None and user.locked_until > now:
            raise AuthenticationError(
                f"密码连续错误 {MAX_FAILED_LOGINS} 次，用户“{user.name}”已锁定 {LOCKOUT.seconds // 60} 分钟。"
            )
        raise AuthenticationError(_WRONG)
    user.failed_logins = 0
    user.locked_until = None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return SignIn(_actor(user), bool(user.must_change_password))


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def sign_in_with_token(session: Session, token: str) -> SignIn:
    """The user a script token was issued to (a token needs no password change)."""
    digest = _token_digest(token or "")
    user = session.scalar(select(User).where(User.token_hash == digest)) if token and token.strip() else None
    if user is None:
        raise AuthenticationError("令牌无效或已被收回。")
    if not user.active:
        raise AuthenticationError(f"用户“{user.name}”已停用，请联系管理员。")
    return SignIn(_actor(user), False)


def change_own_password(ctx: OpContext, old_password: str, new_password: str) -> OpResult[None]:
    """The signed-in user changes their own password (also the change asked for at the first sign-in)."""
    if ctx.actor.user_id is None:
        raise ValidationError("只有登录的用户才能修改自己的密码。")
    user = ctx.session.get(User, ctx.actor.user_id)
    if user is None or not user.active:
        raise PermissionDenied("该用户已停用或不存在。")
    if not _verify(user.password_hash, old_password or ""):
        raise AuthenticationError("原密码不正确。")
    if new_password == old_password:
        raise ValidationError("新密码不能与原密码相同。")
    user.password_hash = _hasher().hash(check_password_strength(new_password))
    user.must_change_password = False
    ctx.audit(audit.CHANGE_PASSWORD, {"user": user.name})
    return OpResult(None)


# -- the 管理员's user operations --------------------------------------------------------------------------
def _user(ctx: OpContext, name: str) -> User:
    user = ctx.session.scalar(select(User).where(func.lower(User.name) == (name or "").strip().lower()))
    if user is None:
        raise ValidationError(f"没有用户“{name}”。")
    return user


@requires(Permission.USERS)
def list_users(ctx: OpContext) -> list[UserItem]:
    now = ctx.now()
    return [
        UserItem(
            u.id,
            u.name,
            Role(u.role),
            u.active,
            u.locked_until if u.locked_until and u.locked_until > now else None,
            u.must_change_password,
            u.token_hash is not None,
        )
        for u in ctx.session.scalars(select(User).order_by(User.id))
    ]


@requires(Permission.USERS)
def add_user(ctx: OpContext, name: str, role: Role | str, password: str) -> OpResult[None]:
    """A new user with a first password they must change at their first sign-in."""
    role = _role_for(ctx.session, role)
    user = _new_user(ctx.session, _name(name), role, password, ctx.actor.name, ctx.now())
    ctx.audit(audit.ADD_USER, {"user": user.name, "role": role.value})
    return OpResult(None, Changes(reference=True))


@requires(Permission.USERS)
def reset_password(ctx: OpContext, name: str, password: str) -> OpResult[None]:
    """A new password (to be changed at the next sign-in); unlocks the account."""
    user = _user(ctx, name)
    user.password_hash = _hasher().hash(check_password_strength(password))
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    ctx.audit(audit.RESET_PASSWORD, {"user": user.name})
    return OpResult(None, Changes(reference=True))


@requires(Permission.USERS)
def set_user_active(ctx: OpContext, name: str, active: bool) -> OpResult[None]:
    """Disable (or enable again) a user; the last active 管理员 and oneself cannot be disabled."""
    user = _user(ctx, name)
    if not active:
        if user.id == ctx.actor.user_id:
            raise ValidationError("不能停用自己的账户。")
        admins = ctx.session.scalar(
            select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
        if user.role == Role.ADMIN.value and user.active and (admins or 0) <= 1:
            raise ValidationError("这是唯一的管理员，不能停用。")
        user.token_hash = None
    user.active = active
    ctx.audit(audit.SET_USER_ACTIVE, {"user": user.name, "active": active})
    return OpResult(None, Changes(reference=True))


@requires(Permission.USERS)
def issue_token(ctx: OpContext, name: str) -> OpResult[str]:
    """A new script token for a user (any earlier one stops working); the token is shown only once."""
    user = _user(ctx, name)
    if not user.active:
        raise ValidationError(f"用户“{user.name}”已停用，不能签发令牌。")
    token = secrets.token_urlsafe(32)
    user.token_hash = _token_digest(token)
    ctx.audit(audit.ISSUE_TOKEN, {"user": user.name})
    return OpResult(token, Changes(reference=True))


def authenticate(ledger: Ledger, name: str = "", password: str = "", *, token: str | None = None) -> SignIn:
    """Sign in to ``ledger`` with a name and password (or a token); a failure is recorded before it is raised."""
    session = ledger.new_session()
    try:
        try:
            result = (
                sign_in_with_token(session, token) if token is not None else sign_in(session, name, password)
            )
        except AuthenticationError:
            _commit_quietly(session)
            raise
        _commit_quietly(session)
        return result
    finally:
        session.close()


def _commit_quietly(session: Session) -> None:
    """Commit the sign-in's bookkeeping; a read-only ledger keeps none, which does not stop the sign-in."""
    try:
        session.commit()
    except Exception:  # a read-only file: the failure count cannot be kept
        session.rollback()
