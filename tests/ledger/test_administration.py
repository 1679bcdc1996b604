"""设置 changes: validated, applied, and each recorded in the audit log with who made it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xinfang_desk.ledger.administration import (
    add_category,
    add_department,
    load_snapshot,
    save_category,
    save_settings,
    set_department_active,
)
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.settings import DeadlineRule


def test_changes_are_applied_and_audited(ledger: Ledger) -> None:
    with ledger.operation(Actor("科长甲")) as first:
        result = save_settings(
            first, "教务处（本科生院）", {"rule.handle": DeadlineRule(45, "workday")}, {"due_soon_days": 5}
        )
        assert result.changes.reference  # every page reloads its choices
        add_department(first, "校医院")
        hospital = next(d for d in load_snapshot(first).departments if d.name == "校医院")
    with ledger.operation(Actor("科长乙")) as second:
        set_department_active(second, hospital.id, False)
        add_category(second, "网络舆情类", None)
        dorm = next(c for c in load_snapshot(second).categories if c.name == "宿舍条件与维修")
        save_category(second, dorm.id, 10, "保卫处", True)
    with ledger.operation(Actor("科长丙")) as ctx:
        s = ctx.session
        snapshot = load_snapshot(ctx)
        assert snapshot.unit_name == "教务处（本科生院）"
        assert snapshot.rules["rule.handle"] == DeadlineRule(45, "workday")
        assert snapshot.general["due_soon_days"] == 5
        assert not next(d for d in snapshot.departments if d.name == "校医院").active
        dorm = next(c for c in snapshot.categories if c.name == "宿舍条件与维修")
        assert (dorm.deadline_days, dorm.department) == (10, "保卫处")
        log = [(e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert log == [
        ("科长甲", "save_settings"),
        ("科长甲", "add_department"),
        ("科长乙", "set_department_active"),
        ("科长乙", "add_category"),
        ("科长乙", "save_category"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ctx: add_department(ctx, "教务处"), "已存在"),
        (lambda ctx: add_category(ctx, "教学管理类", None), "已存在"),
        (lambda ctx: save_settings(ctx, " ", {}, {}), "单位名称"),
        (lambda ctx: save_settings(ctx, "教务处", {"rule.handle": DeadlineRule(0)}, {}), "应在1至365"),
    ],
)
def test_bad_changes_are_refused_and_leave_no_trace(ledger: Ledger, change, message: str) -> None:
    with pytest.raises(ValidationError, match=message), ledger.operation(Actor("科长")) as ctx:
        change(ctx)
    with ledger.session() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_an_operation_needs_a_named_actor() -> None:
    with pytest.raises(ValidationError, match="操作人"):
        Actor("  ")
