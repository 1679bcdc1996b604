"""What the office knows about merged cases: where each came from, and people petitioning several units.

``case_provenance`` answers "which file, which unit, when merged" for a case.  ``flag_multi_unit``
looks over the office ledger for 多头访: the same person raising the same 问题类别 in two or more
units within ``MULTI_UNIT_DAYS`` days, and records a ``PersonFlag`` per person and category.

A person is recognised by a full ID number, or by name + full phone number: such a match is
``exact``.  Exports are masked by default (3401**********123X, 138****5678), and a masked number
cannot tell apart two people of the same name whose numbers share the visible digits, so a match on
name + masked number is only ``possible`` and says so; the office checks it by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.models import Case, CaseOrigin, Category, MergedFile, PersonFlag, Petitioner, Unit

#: Two petitions at most this many days apart count as one 多头访 (90 flags, 91 does not).
MULTI_UNIT_DAYS = 90
EXACT, POSSIBLE = "exact", "possible"
CERTAINTY_LABELS = {EXACT: "确认", POSSIBLE: "疑似"}


@dataclass(frozen=True)
class CaseProvenance:
    """Where a merged case's current revision came from."""

    file_name: str
    file_sha256: str
    unit_code: str
    unit_name: str
    revision: int
    merged_at: datetime
    merged_by: str
    edited: bool


def case_provenance(session: Session, case_id: int) -> CaseProvenance | None:
    """The file, unit and time the case's latest merged revision came from (None: not merged)."""
    row = session.execute(
        select(CaseOrigin, MergedFile)
        .join(MergedFile, MergedFile.id == CaseOrigin.merged_file_id)
        .where(CaseOrigin.case_id == case_id)
        .order_by(CaseOrigin.revision.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    origin, merged = row
    return CaseProvenance(
        merged.file_name,
        merged.sha256,
        origin.unit_code,
        merged.unit_name,
        origin.revision,
        origin.merged_at,
        merged.merged_by,
        merged.edited,
    )


@dataclass(frozen=True)
class FlaggedPerson:
    """One 多头访 flag as the merge report shows it."""

    name: str
    certainty: str
    category: str
    unit_names: tuple[str, ...]
    case_nos: tuple[str, ...]
    first_received: date
    last_received: date
    new: bool

    def text(self) -> str:
        how = (
            "证件号或电话完全一致"
            if self.certainty == EXACT
            else "疑似：仅姓名与脱敏后的证件号或电话相同，请人工核实"
        )
        return (
            f"{self.name}（{how}）：问题类别“{self.category}”，"
            f"{len(self.unit_names)} 个单位（{'、'.join(self.unit_names)}），"
            f"{self.first_received} 至 {self.last_received}，案件 {'、'.join(self.case_nos)}"
            + ("" if self.new else "（已有提示，新增案件）")
        )


@dataclass(frozen=True)
class _Petition:
    case_id: int
    case_no: str
    unit_code: str
    received: date


def _person_keys(name: str, id_number: str | None, phone: str | None) -> Iterable[tuple[str, str]]:
    """(certainty, key) under which a petitioner may be recognised in another unit's ledger."""
    if id_number:
        if "*" not in id_number:
            yield EXACT, f"id:{id_number}"
        yield POSSIBLE, f"mid:{name}|{mask_id_number(id_number)}"
    if phone:
        if "*" not in phone:
            yield EXACT, f"tel:{name}|{phone}"
        yield POSSIBLE, f"mtel:{name}|{mask_phone(phone)}"


def _flagged(petitions: list[_Petition]) -> list[_Petition]:
    """The petitions that have one from another unit at most ``MULTI_UNIT_DAYS`` days apart."""
    petitions.sort(key=lambda p: (p.received, p.case_id))
    marked: set[int] = set()
    for i, first in enumerate(petitions):
        for j in range(i + 1, len(petitions)):
            later = petitions[j]
            if (later.received - first.received).days > MULTI_UNIT_DAYS:
                break
            if later.unit_code != first.unit_code:
                marked.update((i, j))
    return [p for i, p in enumerate(petitions) if i in marked]


_Row = tuple[int, str, str, datetime | str, int, str, str | None, str | None]


def _day(stored: datetime | str) -> date:
    """The day of a date-time as the driver returns it when not converted (text, or a datetime)."""
    return stored.date() if isinstance(stored, datetime) else date.fromisoformat(stored[:10])


def _in_several_units(named: list[_Row]) -> list[_Row]:
    """The petitions whose name, or ID number, appears in the same category in two or more units.

    Every key a person is recognised by holds the name or the ID number, so only these petitions
    can be in a group spanning units, and such a group has all its petitions here.
    """
    units: dict[tuple[str, str | None, int], str | None] = {}  # one unit, or None for several
    for _id, _no, unit_code, _at, category_id, name, id_number, _phone in named:
        for key in (("name", name, category_id), ("id", id_number, category_id)):
            seen = units.setdefault(key, unit_code)
            if seen is not None and seen != unit_code:
                units[key] = None
    return [
        row
        for row in named
        if units[("name", row[5], row[4])] is None or (row[6] and units[("id", row[6], row[4])] is None)
    ]


def flag_multi_unit(session: Session, now: datetime) -> list[FlaggedPerson]:
    """Find 多头访 over the whole ledger; record new flags, grow existing ones; return what changed."""
    groups: dict[tuple[str, int], list[_Petition]] = defaultdict(list)
    certainty: dict[str, str] = {}
    names: dict[str, str] = {}
    session.flush()
    rows = (
        session.connection()
        .execute(  # plain rows
            select(
                Case.id,
                Case.case_no,
                Case.unit_code,
                Case.received_at,
                Case.category_id,
                Petitioner.name,
                Petitioner.id_number,
                Petitioner.phone,
            )
            .join(Petitioner, Petitioner.id == Case.petitioner_id)
            .where(Petitioner.anonymous.is_(False))
        )
        .all()
    )
    named: list[_Row] = [row for row in rows if row[5] and row[5] != "匿名"]
    for case_id, case_no, unit_code, received_at, category_id, name, id_number, phone in _in_several_units(
        named
    ):
        petition = _Petition(case_id, case_no, unit_code, _day(received_at))
        for level, key in _person_keys(name, id_number, phone):
            groups[(key, category_id)].append(petition)
            certainty[key] = level
            names[key] = name
    # an ID number is shown with the name of its last petition, in whichever category
    last_name = {row[6]: row[5] for row in named if row[6]}
    names.update({key: last_name[key[3:]] for key in names if key.startswith("id:")})
    found: dict[tuple[str, int], list[_Petition]] = {}
    for group_key, petitions in groups.items():
        if len(petitions) > 1 and len({p.unit_code for p in petitions}) > 1:
            flagged = _flagged(petitions)
            if flagged:
                found[group_key] = flagged
    # one flag per person and category: a group whose cases another (exact first, larger first) covers says nothing new
    kept: dict[tuple[str, int], list[_Petition]] = {}
    covered: dict[int, list[set[int]]] = defaultdict(list)
    for (key, category_id), petitions in sorted(
        found.items(), key=lambda item: (certainty[item[0][0]] != EXACT, -len(item[1]), item[0][0])
    ):
        cases = {p.case_id for p in petitions}
        if any(cases <= other for other in covered[category_id]):
            continue
        covered[category_id].append(cases)
        kept[(key, category_id)] = petitions
    return _record_flags(session, kept, certainty, names, now)


def _record_flags(
    session: Session,
    found: dict[tuple[str, int], list[_Petition]],
    certainty: dict[str, str],
    names: dict[str, str],
    now: datetime,
) -> list[FlaggedPerson]:
    existing = {(f.person_key, f.category_id): f for f in session.scalars(select(PersonFlag))}
    categories = dict(session.execute(select(Category.id, Category.name)).all())
    units = dict(session.execute(select(Unit.code, Unit.name)).all())
    changed: list[FlaggedPerson] = []
    for (key, category_id), petitions in sorted(found.items(), key=lambda item: item[1][0].received):
        case_ids = sorted(p.case_id for p in petitions)
        unit_codes = sorted({p.unit_code for p in petitions})
        flag = existing.get((key, category_id))
        if flag is not None and set(case_ids) <= set(flag.case_ids):
            continue
        first, last = petitions[0].received, petitions[-1].received
        if flag is None:
            flag = PersonFlag(
                person_key=key,
                certainty=certainty[key],
                name=names[key],
                category_id=category_id,
                flagged_at=now,
            )
            session.add(flag)
        flag.case_ids = sorted(set(flag.case_ids or []) | set(case_ids))
        flag.unit_codes = ",".join(unit_codes)
        flag.first_received = min(first, flag.first_received or first)
        flag.last_received = max(last, flag.last_received or last)
        flag.updated_at = now
        changed.append(
            FlaggedPerson(
                names[key],
                certainty[key],
                categories.get(category_id, ""),
                tuple(units.get(code, code) for code in unit_codes),
                tuple(p.case_no for p in petitions),
                first,
                last,
                new=(key, category_id) not in existing,
            )
        )
    session.flush()
    return changed
