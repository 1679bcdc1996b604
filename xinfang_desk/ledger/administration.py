"""The unit's settings and reference data as 设置 shows and changes them (no Qt).

``load_snapshot`` reads everything the page shows as plain data; each change takes the acting user
and is recorded in the audit log, since deadlines and departments decide how cases are handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from xinfang_desk.ledger import audit, ledger_info
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import Category, Department, Unit
from xinfang_desk.ledger.operations.context import Changes, OpContext, OpResult
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.settings import DEADLINE_RULES, GENERAL, DeadlineRule, Settings, store


def _recorded(ctx: OpContext, action: str, **detail: Any) -> OpResult[None]:
    """Record the change in the audit log; reference data changed, so every page reloads its choices."""
    ctx.audit(action, detail)
    return OpResult(None, Changes(reference=True))


# -- what the page shows, as plain data ------------------------------------------------------------
@dataclass(frozen=True)
class DepartmentItem:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class CategoryItem:
    id: int
    name: str
    parent_id: int | None
    deadline_days: int | None
    department: str
    active: bool


@dataclass(frozen=True)
class SettingsSnapshot:
    unit_code: str
    unit_name: str
    office: bool
    rules: dict[str, DeadlineRule]
    general: dict[str, Any]
    departments: tuple[DepartmentItem, ...]
    categories: tuple[CategoryItem, ...]
    uncovered_years: tuple[int, ...]


@requires(Permission.VIEW)
def load_snapshot(ctx: OpContext) -> SettingsSnapshot:
    """Everything the 设置 page shows."""
    session = ctx.session
    today = ctx.now().date()
    info = ledger_info.read(session)
    settings = Settings.load(session)
    calendar = WorkCalendar.load(session)
    departments = tuple(
        DepartmentItem(d.id, d.name, d.active)
        for d in session.scalars(select(Department).order_by(Department.id))
    )
    categories = tuple(
        CategoryItem(
            c.id,
            c.name,
            c.parent_id,
            c.default_deadline_days,
            c.default_department.name if c.default_department else "",
            c.active,
        )
        for c in session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    )
    return SettingsSnapshot(
        unit_code=info.get("unit_code", ""),
        unit_name=info.get("unit_name", ""),
        office=ledger_info.is_office(info),
        rules={key: settings.rule(key.removeprefix("rule.")) for key in DEADLINE_RULES},
        general={key: settings.get(key) for key in GENERAL},
        departments=departments,
        categories=categories,
        uncovered_years=tuple(y for y in (today.year, today.year + 1) if not calendar.covers(y)),
    )


# -- changes, each recorded in the audit log ----------------------------------------------------------------
@requires(Permission.SETTINGS)
def save_settings(
    ctx: OpContext, unit_name: str, rules: dict[str, DeadlineRule], general: dict[str, Any]
) -> OpResult[None]:
    """Save the unit's name, the time-limit rules and the general settings."""
    session = ctx.session
    unit_name = (unit_name or "").strip()
    if not unit_name:
        raise ValidationError("请填写单位名称。")
    ledger_info.store(session, "unit_name", unit_name)
    code = ledger_info.read(session, "unit_code").get("unit_code", "")
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is not None:
        unit.name = unit_name
    for key, rule in rules.items():
        store(session, key, rule)
    for key, value in general.items():
        store(session, key, value)
    return _recorded(
        ctx,
        audit.SAVE_SETTINGS,
        unit_name=unit_name,
        rules={k: [r.days, r.kind] for k, r in rules.items()},
        general=dict(general),
    )


@requires(Permission.SETTINGS)
def add_department(ctx: OpContext, name: str) -> OpResult[None]:
    session = ctx.session
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写承办单位名称。")
    existing = session.scalars(select(Department).where(Department.name == name)).first()
    if existing is not None:
        state = "" if existing.active else "（已停用，可在列表中重新启用）"
        raise ValidationError(f"承办单位“{name}”已存在{state}。")
    session.add(Department(name=name, active=True))
    return _recorded(ctx, audit.ADD_DEPARTMENT, name=name)


@requires(Permission.SETTINGS)
def set_department_active(ctx: OpContext, department_id: int, active: bool) -> OpResult[None]:
    session = ctx.session
    department = session.get(Department, department_id)
    if department is None:
        raise ValidationError("该承办单位已不存在。")
    department.active = active
    return _recorded(ctx, audit.SET_DEPARTMENT_ACTIVE, name=department.name, active=active)


@requires(Permission.SETTINGS)
def add_category(ctx: OpContext, name: str, parent_id: int | None) -> OpResult[None]:
    session = ctx.session
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写类别名称。")
    same = select(Category).where(
        Category.name == name,
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
    )
    if session.scalars(same).first() is not None:
        raise ValidationError(f"类别“{name}”已存在。")
    siblings = session.scalars(
        select(Category.sort_order).where(
            Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
        )
    ).all()
    session.add(Category(name=name, parent_id=parent_id, sort_order=max(siblings, default=-1) + 1))
    return _recorded(ctx, audit.ADD_CATEGORY, name=name, parent_id=parent_id)


@requires(Permission.SETTINGS)
def save_category(
    ctx: OpContext, category_id: int, deadline_days: int | None, department: str, active: bool
) -> OpResult[None]:
    """A category's default deadline (None: the general rule), default department ("" for none), state."""
    session = ctx.session
    category = session.get(Category, category_id)
    if category is None:
        raise ValidationError("该类别已不存在。")
    if deadline_days is not None and deadline_days <= 0:
        raise ValidationError("默认期限须为正整数天数。")
    dept = None
    if department:
        dept = session.scalars(select(Department).where(Department.name == department)).first()
        if dept is None or not dept.active:
            raise ValidationError(f"没有名为“{department}”的承办单位。")
    category.default_deadline_days = deadline_days
    category.default_department = dept
    category.active = active
    return _recorded(
        ctx,
        audit.SAVE_CATEGORY,
        name=category.name,
        deadline_days=deadline_days,
        department=department,
        active=active,
    )
