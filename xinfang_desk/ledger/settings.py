"""Every setting of a ledger declared once, with its default, type and Chinese description.

The statutory time limits of the 信访工作条例 are the defaults; a unit may change a rule's length or
whether it counts calendar days (日) or working days (工作日).  Stored values override the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import tables
from xinfang_desk.ledger.errors import ValidationError

DayKind = Literal["calendar", "workday"]


@dataclass(frozen=True)
class DeadlineRule:
    """A time limit: so many calendar days or working days."""

    days: int
    kind: DayKind = "calendar"

    def describe(self) -> str:
        return f"{self.days}{'个工作日' if self.kind == 'workday' else '日'}"


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, default, description, and the type and range of the values it takes.

    For a deadline rule the range bounds its number of days; ``unit`` is shown after the number.
    """

    key: str
    default: Any
    description: str
    minimum: int = 0
    maximum: int = 0
    unit: str = ""

    @property
    def type(self) -> type:
        return type(self.default)

    def check(self, value: Any) -> None:
        """Refuse (in Chinese) a value of the wrong type or out of range."""
        if isinstance(self.default, DeadlineRule):
            if not isinstance(value, DeadlineRule) or value.kind not in ("calendar", "workday"):
                raise ValidationError("期限规则须为天数，单位为“日”或“工作日”。")
            number = value.days
        elif isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise ValidationError(f"“{self.description}”应为是或否。")
            return
        else:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"“{self.description}”应为整数。")
            number = value
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(
                f"“{self.description}”应在{self.minimum}至{self.maximum}{self.unit or '天'}之间（不能为{number}）。"
            )


DEADLINE_RULES: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec(
            "rule.decide", DeadlineRule(15), "登记后决定受理、交办或转送并书面告知（条例第22、23条）", 1, 365
        ),
        SettingSpec(
            "rule.object", DeadlineRule(5, "workday"), "对交办、转送事项提出异议（条例第23条）", 1, 365
        ),
        SettingSpec("rule.handle", DeadlineRule(60), "受理后办理并答复（条例第34条）", 1, 365),
        SettingSpec("rule.extend_max", DeadlineRule(30), "延期最多可延长（条例第34条）", 1, 365),
        SettingSpec("rule.mailbox", DeadlineRule(7), "校长信箱、领导信箱事项办结", 1, 365),
        SettingSpec("rule.review", DeadlineRule(30), "复查、复核的答复（条例第35、36条）", 1, 365),
        SettingSpec(
            "rule.review_request", DeadlineRule(30), "信访人申请复查、复核的期限（条例第35、36条）", 1, 365
        ),
    ]
}

GENERAL: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec("due_soon_days", 3, "临期提醒：截止日前几天起显示为临期", 0, 60, "天"),
        SettingSpec("allow_multiple_extensions", False, "是否允许同一事项多次延期（总延期仍不超过上限）"),
        SettingSpec("repeat_window_days", 365, "查找重复访时回看的天数", 1, 3650, "天"),
    ]
}


def _encode(value: Any) -> dict[str, Any]:
    if isinstance(value, DeadlineRule):
        return {"days": value.days, "kind": value.kind}
    return {"value": value}


class Settings:
    """The ledger's settings: declared defaults overlaid with what the user stored."""

    def __init__(self, stored: dict[str, dict[str, Any]] | None = None) -> None:
        self._stored = dict(stored or {})

    @classmethod
    def load(cls, session: Session) -> Settings:
        table = tables.settings
        return cls({key: value for key, value in session.execute(select(table.c.key, table.c.value))})

    def rule(self, name: str) -> DeadlineRule:
        spec = DEADLINE_RULES[f"rule.{name}"]
        raw = self._stored.get(spec.key)
        if raw is None:
            return spec.default
        return DeadlineRule(int(raw["days"]), raw.get("kind", "calendar"))

    def get(self, key: str) -> Any:
        spec = GENERAL[key]
        raw = self._stored.get(key)
        return spec.default if raw is None else raw["value"]

    @property
    def due_soon_days(self) -> int:
        return int(self.get("due_soon_days"))


def store(session: Session, key: str, value: Any) -> None:
    """Save one setting (validated against its declaration)."""
    spec = DEADLINE_RULES.get(key) or GENERAL.get(key)
    if spec is None:
        raise ValidationError(f"没有名为“{key}”的设置项。")
    spec.check(value)
    tables.set_value(session, tables.settings, key, _encode(value))
