"""Reference data of a new ledger: the unit, default handling departments and the categories of seed 2.

Each default category carries its handling department; sub-categories of the 后勤 and 校长信箱-like
urgent kinds carry shorter deadlines, as seed 2's "12 类事项 … 办理主体、时限要求" asks.  All of it is
editable afterwards in 设置.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk import __version__
from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.deadline_sync import sync_at_open
from xinfang_desk.ledger.errors import LedgerFileError, ValidationError
from xinfang_desk.ledger.models import Category, Department, LedgerInfo, Unit

DEFAULT_DEPARTMENTS: tuple[str, ...] = (
    "教务处",
    "学生工作处",
    "研究生院",
    "人事处",
    "财务处",
    "后勤集团",
    "保卫处",
    "国有资产管理处",
    "网络与信息中心",
    "图书馆",
    "校团委",
    "纪委办公室",
)

#: top-level category → (default department, [(sub-category, department or None, deadline days or None)])
DEFAULT_CATEGORIES: dict[str, tuple[str | None, list[tuple[str, str | None, int | None]]]] = {
    "教学管理类": (
        "教务处",
        [
            ("课程设置", None, None),
            ("考试安排", None, 30),
            ("成绩复核", None, 15),
            ("学籍管理", None, None),
            ("实验室与自习室", "国有资产管理处", 30),
        ],
    ),
    "后勤服务类": (
        "后勤集团",
        [
            ("宿舍条件与维修", None, 15),
            ("食堂价格与卫生", None, 15),
            ("校园环境", None, 30),
            ("水电网络", "网络与信息中心", 15),
        ],
    ),
    "权益保障类": (
        "学生工作处",
        [
            ("奖助学金评定", None, 30),
            ("实习权益与安全", None, None),
            ("职称评聘", "人事处", None),
            ("劳动与薪酬(津贴发放)", "人事处", 30),
            ("违纪处分申诉", None, None),
        ],
    ),
    "其他类": (None, []),
}


def seed_reference_data(session: Session) -> None:
    """Add the default departments and categories (only those not yet present)."""
    departments = {d.name: d for d in session.scalars(select(Department))}
    for name in DEFAULT_DEPARTMENTS:
        if name not in departments:
            departments[name] = Department(name=name)
            session.add(departments[name])
    session.flush()
    existing = {(c.parent_id, c.name) for c in session.scalars(select(Category))}
    for order, (top_name, (top_dept, subs)) in enumerate(DEFAULT_CATEGORIES.items()):
        top = session.scalars(
            select(Category).where(Category.parent_id.is_(None), Category.name == top_name)
        ).first()
        if top is None:
            top = Category(
                name=top_name,
                sort_order=order,
                default_department=departments.get(top_dept) if top_dept else None,
            )
            session.add(top)
            session.flush()
        for sub_order, (sub_name, dept, days) in enumerate(subs):
            if (top.id, sub_name) in existing:
                continue
            session.add(
                Category(
                    name=sub_name,
                    parent_id=top.id,
                    sort_order=sub_order,
                    default_department=departments.get(dept) if dept else None,
                    default_deadline_days=days,
                )
            )


#: A unit code (the first part of its case numbers): 1 to 16 Latin letters, digits or underscores.
UNIT_CODE = r"[A-Za-z0-9_]{1,16}"


def validate_unit(code: str, name: str) -> tuple[str, str]:
    code = (code or "").strip().upper()
    name = (name or "").strip()
    if re.fullmatch(UNIT_CODE, code) is None:
        raise ValidationError("单位代码须为1至16位字母或数字，如 JWC。")
    if not name:
        raise ValidationError("请填写单位名称。")
    return code, name


def create_ledger(
    location: str | Path,
    unit_code: str,
    unit_name: str,
    *,
    office: bool = False,
    demo: bool = False,
    password: str | None = None,
) -> Ledger:
    """A new, empty ledger for one unit (or the office, or a demo), with the default reference data.

    ``password``: the server account's, for a ledger on a database server (``Ledger.open``).
    """
    code, name = validate_unit(unit_code, unit_name)
    ledger = Ledger.open(location, create=True, password=password)
    with ledger.session() as s:
        if s.get(LedgerInfo, "unit_code") is not None:
            ledger.close()
            raise LedgerFileError(f"“{location}”已经是一个台账，不能重复初始化。")
        now = datetime.now().isoformat(timespec="seconds")
        for key, value in {
            "unit_code": code,
            "unit_name": name,
            ledger_info.OFFICE_KEY: ledger_info.flag_value(office),
            ledger_info.DEMO_KEY: ledger_info.flag_value(demo),
            "created_at": now,
            "created_by_version": __version__,
        }.items():
            s.add(LedgerInfo(key=key, value=value))
        s.add(Unit(code=code, name=name))
        seed_reference_data(s)
        s.flush()
        sync_at_open(s)  # nothing to recompute yet: noted, so a later opening writes nothing
    ledger.read_fixed_facts()
    return ledger
