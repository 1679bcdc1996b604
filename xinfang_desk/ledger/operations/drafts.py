"""A registration (登记) given as plain data — a script's JSON, a web platform's message — read into a ``CaseDraft``.

Keys are the registration form's fields (``channel``, ``source``, ``nature``, ``category``, ``subcategory``,
``summary``, ``content``, ``petitioner`` {``name``, ``id_number``, ``phone``, ``identity_type``,
``affiliation``, ``anonymous``}, ``people_count``, ``received_at``, ``bypassed_level``, ``repeat_of``,
``superior_ref``, ``superior_due_on``, ``owner_leader``, ``remarks``, ``proposed_department``).  Choices
take their Chinese label or their code.  Anything else is refused with a Chinese sentence naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput

E = TypeVar("E", Channel, Source, Nature, IdentityType)

_TEXT_FIELDS = (
    "category",
    "subcategory",
    "summary",
    "content",
    "repeat_of",
    "superior_ref",
    "owner_leader",
    "remarks",
    "proposed_department",
)
_PERSON_TEXT = ("name", "id_number", "phone", "affiliation")
_KNOWN = {
    *_TEXT_FIELDS,
    "channel",
    "source",
    "nature",
    "petitioner",
    "people_count",
    "received_at",
    "bypassed_level",
    "superior_due_on",
}
_PERSON_KNOWN = {*_PERSON_TEXT, "identity_type", "anonymous"}


def draft_from_mapping(data: Any) -> CaseDraft:
    """The ``CaseDraft`` that ``data`` describes (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise ValidationError("登记内容应为一个 JSON 对象（{…}）。")
    _no_unknown(data, _KNOWN, "")
    person = data.get("petitioner", {})
    if not isinstance(person, Mapping):
        raise ValidationError("“petitioner”应为一个 JSON 对象（信访人信息）。")
    _no_unknown(person, _PERSON_KNOWN, "petitioner.")
    texts = {key: _text(data, key) for key in _TEXT_FIELDS}
    return CaseDraft(
        channel=_choice(Channel, data.get("channel", Channel.VISIT.value), "channel（信访形式）"),
        source=_choice(Source, data.get("source", Source.OWN.value), "source（来源）"),
        nature=_choice(Nature, data.get("nature", Nature.CLAIM.value), "nature（事项性质）"),
        petitioner=PetitionerInput(
            **{key: _text(person, key, "petitioner.") for key in _PERSON_TEXT},
            identity_type=_choice(
                IdentityType, person.get("identity_type", IdentityType.STUDENT.value), "身份类别"
            ),
            anonymous=_flag(person, "anonymous", "petitioner."),
        ),
        people_count=_count(data.get("people_count", 1)),
        received_at=_moment(data.get("received_at")),
        bypassed_level=_flag(data, "bypassed_level"),
        superior_due_on=_day(data.get("superior_due_on")),
        **texts,
    )


def _no_unknown(data: Mapping[str, Any], known: set[str], prefix: str) -> None:
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ValidationError(f"不认识的字段：{prefix}{unknown[0]}。可用字段：{'、'.join(sorted(known))}。")


def _text(data: Mapping[str, Any], key: str, prefix: str = "") -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"“{prefix}{key}”应为文字。")
    return value


def _flag(data: Mapping[str, Any], key: str, prefix: str = "") -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValidationError(f"“{prefix}{key}”应为 true 或 false。")
    return value


def _choice(kind: type[E], value: Any, what: str) -> E:
    try:
        return kind.from_label(str(value))
    except ValueError:
        raise ValidationError(f"{what}“{value}”不是可选值（可选：{'、'.join(kind.labels())}）。") from None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise ValidationError(f"people_count（信访人数）“{value}”应为1至100000的整数。")
    return value


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"received_at（收件时间）“{value}”不是有效时间，请写作 2026-11-30 14:30。"
        ) from None


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"superior_due_on（上级规定期限）“{value}”不是有效日期，请写作 2026-12-20。"
        ) from None
