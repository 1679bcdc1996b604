"""The fixed vocabulary of 信访 work (DOMAIN.md): channels, sources, natures, statuses, outcomes.

Values are stored as short English codes; ``label`` is the Chinese text shown to users and written to
exports.  ``from_label`` reads either form back, so imports accept the Chinese a clerk typed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class _Labelled(StrEnum):
    """A string enum whose members carry a Chinese label."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def from_label(cls, text: str) -> Self:
        """The member whose code or Chinese label is ``text`` (surrounding spaces ignored)."""
        text = (text or "").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise ValueError(text)

    @classmethod
    def labels(cls) -> list[str]:
        return [m.label for m in cls]


class Channel(_Labelled):
    """信访形式."""

    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    WEB = "web", "网络"
    MAILBOX = "mailbox", "领导信箱"


class Source(_Labelled):
    """来源."""

    OWN = "own", "本单位受理"
    SUPERIOR = "superior", "上级转办"
    PRESIDENT_MAILBOX = "president_mailbox", "校长信箱转办"
    OTHER_UNIT = "other_unit", "其他单位转来"


class Nature(_Labelled):
    """事项性质 (信访工作条例)."""

    SUGGESTION = "suggestion", "建议意见类"
    ACCUSATION = "accusation", "检举控告类"
    CLAIM = "claim", "申诉求决类"


class Status(_Labelled):
    """The case's current step in its life (DOMAIN.md, 'The life of a case')."""

    REGISTERED = "registered", "待受理"
    ACCEPTED = "accepted", "已受理"
    DECLINED = "declined", "不予受理"
    FORWARDED = "forwarded", "已转送"
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已答复"
    EVALUATED = "evaluated", "已回访"
    CLOSED = "closed", "已办结"


#: Statuses in which a case still has a running deadline.
OPEN_STATUSES: frozenset[Status] = frozenset(
    {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.REPLIED,
        Status.EVALUATED,
    }
)
#: Statuses after acceptance in which the handling department works on the case.
HANDLING_STATUSES: frozenset[Status] = frozenset({Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS})
#: Statuses a case can only reach after 受理 (accepted_at is set exactly for these), in the life's order.
ACCEPTED_STATUSES: tuple[Status, ...] = (
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.REPLIED,
    Status.EVALUATED,
    Status.CLOSED,
)
#: Open statuses after 受理: the case runs against its handling deadline (办理期限).
ACCEPTED_OPEN_STATUSES: frozenset[Status] = OPEN_STATUSES - {Status.REGISTERED}
#: Statuses in which a follow-up (回访) may have been recorded.
FOLLOWED_UP_STATUSES: tuple[Status, ...] = (Status.EVALUATED, Status.CLOSED)
#: Statuses a case reaches only after it was answered (答复).
REPLIED_STATUSES: frozenset[Status] = frozenset({Status.REPLIED, Status.EVALUATED, Status.CLOSED})
#: Statuses of a case handed to a department (交办) and not yet answered.
ASSIGNED_STATUSES: frozenset[Status] = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})


#: 集体访: a case raised by this many people or more (DOMAIN.md).
COLLECTIVE_MIN_PEOPLE = 5


class Outcome(_Labelled):
    """处理结果: the seed's 三到位一处理."""

    SOLVED = "solved", "解决到位"
    EXPLAINED = "explained", "解释疏导到位"
    HELPED = "helped", "帮扶救助到位"
    LAWFUL = "lawful", "依法处理到位"


class Satisfaction(_Labelled):
    """回访满意度."""

    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    NONE = "none", "未评价"


class IdentityType(_Labelled):
    """身份类别 of a petitioner."""

    STUDENT = "student", "学生"
    STAFF = "staff", "教职工"
    RETIRED = "retired", "离退休人员"
    PARENT = "parent", "学生家长"
    OUTSIDER = "outsider", "校外人员"
    ANONYMOUS = "anonymous", "匿名"


class EventKind(_Labelled):
    """What one entry of a case's history records."""

    REGISTER = "register", "登记"
    ACCEPT = "accept", "受理"
    DECLINE = "decline", "不予受理"
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"
    OBJECT = "object", "异议"
    PROGRESS = "progress", "办理进展"
    EXTEND = "extend", "延期"
    SUPERVISE = "supervise", "督办"
    REPLY = "reply", "答复"
    EVALUATE = "evaluate", "回访评价"
    CLOSE = "close", "办结"
    REOPEN = "reopen", "重开"
    CORRECT = "correct", "更正"
    REVISIT = "revisit", "再次来访"
    LINK_REPEAT = "link_repeat", "关联重复访"
    ATTACH = "attach", "添加附件"
    RECOMPUTE_DEADLINE = "recompute_deadline", "期限重算"
    EXPORT_FULL = "export_full", "完整导出个人信息"
