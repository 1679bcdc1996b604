"""SQLAlchemy 2 typed models of the ledger: units, departments, categories, petitioners, cases, events.

Dialect-neutral: nothing here is SQLite-only (the SQLite speed-ups live in its storage backend), so the
same models run on PostgreSQL.  Cases carry a stable UUID, a per-unit human case number, a revision
(+1 on every change) and a last-modified time so that ledgers of different units can be merged.
Events are append-only: ``ledger.db`` refuses to flush an update or delete of one.

The annotations are evaluated as the classes are declared (no ``from __future__ import annotations``;
only a class declared further down is named in quotes), so SQLAlchemy takes each ``Mapped`` type as
it is instead of evaluating its text: declaring the tables, at every start, takes about a tenth less.
"""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from xinfang_desk.ledger.chain import Digest, PreviousDigest
from xinfang_desk.ledger.compact_forms import CompactTime, CompactUuid, ShortKeysJSON


def new_uuid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    """Declarative base of every ledger table."""

    type_annotation_map = {dict[str, Any]: JSON}


class LedgerInfo(Base):
    """Key/value facts about this ledger file: unit code and name, office mode, creation time."""

    __tablename__ = "ledger_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")

    #: The key whose value "1" marks the office's (信访与督办室) merged ledger.
    OFFICE_KEY: ClassVar[str] = "office"
    #: marks a ledger made by ``demo``: opened without signing in, and only such a file may be replaced
    DEMO_KEY: ClassVar[str] = "demo"

    @classmethod
    def flag_value(cls, on: bool) -> str:
        """How a yes/no fact (``office``, ``demo``) is stored."""
        return "1" if on else "0"

    @classmethod
    def is_office(cls, info: Mapping[str, str]) -> bool:
        """Whether the ledger whose facts are ``info`` is the office's."""
        return info.get(cls.OFFICE_KEY) == cls.flag_value(True)

    @classmethod
    def read(cls, session: Session, *keys: str) -> dict[str, str]:
        """The facts stored under ``keys`` (absent ones left out; every fact when none is named), read
        through the table alone.

        Start-up reads its facts this way: an ORM query would configure every mapper first, a tenth
        of a second the window's first rows need not wait for.
        """
        table = cls.__table__
        query = select(table.c.key, table.c.value)
        if keys:
            query = query.where(table.c.key.in_(keys))
        return {key: value for key, value in session.execute(query)}

    @classmethod
    def office_ledger(cls, session: Session) -> bool:
        """Whether the ledger ``session`` reads is the office's (one key read, not every fact)."""
        return cls.read(session, cls.OFFICE_KEY).get(cls.OFFICE_KEY) == cls.flag_value(True)

    @classmethod
    def is_demo(cls, info: Mapping[str, str]) -> bool:
        """Whether the ledger whose facts are ``info`` is a demo ledger."""
        return info.get(cls.DEMO_KEY) == cls.flag_value(True)


class Setting(Base):
    """A user-changed setting (see ``xinfang_desk.ledger.settings`` for the declared defaults)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class Unit(Base):
    """A secondary unit (二级单位) that keeps its own ledger; the office sees all of them."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Department(Base):
    """A handling department (承办单位) that cases are assigned (交办) to."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """A problem category (问题类别); a sub-category has a parent.  Both may carry defaults."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_category_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    default_deadline_days: Mapped[int | None] = mapped_column(Integer)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped["Category | None"] = relationship(remote_side=[id])
    default_department: Mapped[Department | None] = relationship()


class Petitioner(Base):
    """The person (信访人) as recorded on one case; matching across cases uses ID number or name + phone."""

    __tablename__ = "petitioners"
    __table_args__ = (
        Index("ix_petitioners_id_number", "id_number"),
        Index("ix_petitioners_name_phone", "name", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(CompactUuid, unique=True, default=new_uuid, insert_sentinel=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(32))
    identity_type: Mapped[str] = mapped_column(String(16), default="student")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)


#: ``ix_cases_figures``: the columns the figures group by, in that order, then every column they count, so
#: that a period's figures read this index alone, in order, without reading or sorting the cases.
FIGURES_INDEX_COLUMNS: tuple[str, ...] = (
    "unit_code",
    "category_id",
    "channel",
    "outcome",
    "department_id",
    "satisfaction",
    "received_at",
    "status",
    "closed_on_time",
    "is_repeat",
    "reopen_count",
    "accepted_at",
    "bypassed_level",
    "people_count",
    "assigned_at",
    "supervise_count",
)


class Case(Base):
    """One petition matter (信访事项): the unit of the ledger."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("unit_code", "year", "seq", name="uq_case_number"),
        Index("ix_cases_received_at", "received_at"),
        Index("ix_cases_status_due", "status", "due_on"),
        Index("ix_cases_repeat_of", "repeat_of_id"),
        Index("ix_cases_figures", *FIGURES_INDEX_COLUMNS),
        #: counting the cases of a channel (the 台账's 来访/来信… filter) reads this, not every case
        Index("ix_cases_channel", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(CompactUuid, unique=True, default=new_uuid, insert_sentinel=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)

    received_at: Mapped[datetime] = mapped_column(CompactTime)
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(24))
    nature: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    petitioner_id: Mapped[int] = mapped_column(ForeignKey("petitioners.id"), index=True)
    people_count: Mapped[int] = mapped_column(Integer, default=1)
    summary: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text, default="")

    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    bypassed_level: Mapped[bool] = mapped_column(Boolean, default=False)
    superior_ref: Mapped[str] = mapped_column(String(100), default="")
    superior_due_on: Mapped[date | None] = mapped_column(Date)

    status: Mapped[str] = mapped_column(String(16))  # indexed by ix_cases_status_due
    decide_due_on: Mapped[date] = mapped_column(Date)
    objection_due_on: Mapped[date | None] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(CompactTime)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    forwarded_to: Mapped[str] = mapped_column(String(200), default="")
    #: the handling department the clerk proposed at registration (the 交办 dialog starts from it)
    proposed_department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(CompactTime)
    assign_opinion: Mapped[str] = mapped_column(Text, default="")
    assign_count: Mapped[int] = mapped_column(Integer, default=0)
    handle_due_on: Mapped[date | None] = mapped_column(Date)
    #: True when ``handle_due_on`` (and 是否按期办结) was taken as recorded in an old 台账, never
    #: computed by the deadline rules: recomputing deadlines must leave such a case alone.
    due_given: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The deadline that applies now (deciding, handling or review); null once the case is finished.
    due_on: Mapped[date | None] = mapped_column(Date)
    #: ``due_on`` depends on an estimated holiday (a year without official data): shown as 估算
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: How each deadline computed by the rules was reckoned, so a calendar change can recompute it:
    #: ``{"decide"|"objection"|"handle": {"start", "days", "kind", "extensions", "estimated"}}``.
    #: A deadline given from outside (上级转办, an imported 办理时限, a 交办 date) has no entry.  A ledger
    #: file keeps each key as one letter (``ledger.compact_forms``).
    deadline_basis: Mapped[dict[str, Any] | None] = mapped_column(ShortKeysJSON)
    supervise_count: Mapped[int] = mapped_column(Integer, default=0)
    replied_at: Mapped[datetime | None] = mapped_column(CompactTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    reply_text: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str] = mapped_column(String(16), default="none")
    evaluated_at: Mapped[datetime | None] = mapped_column(CompactTime)
    closed_at: Mapped[datetime | None] = mapped_column(CompactTime)
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    review_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_leader: Mapped[str] = mapped_column(String(100), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")

    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(CompactTime)
    updated_at: Mapped[datetime] = mapped_column(CompactTime)

    # reference data is never created through a case: no save cascade (keeps large flushes cheap)
    category: Mapped[Category] = relationship(foreign_keys=[category_id], cascade="merge")
    subcategory: Mapped[Category | None] = relationship(foreign_keys=[subcategory_id], cascade="merge")
    petitioner: Mapped[Petitioner] = relationship()
    department: Mapped[Department | None] = relationship(cascade="merge")
    #: the history, read-only here: events are written by ``Workflow`` and never changed
    events: Mapped[list["CaseEvent"]] = relationship(order_by="CaseEvent.seq", viewonly=True)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="save-update, merge"
    )

    # Optimistic locking: every step raises the revision itself, and an UPDATE only applies to the
    # revision it read, so of two people acting on one case at once the second is told it changed.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


class CaseEvent(Base):
    """One step in a case's history: who, when, what, a note and the step's data.  Never changed."""

    __tablename__ = "case_events"

    #: an event is the ``seq``-th step of its case (seq == the case's revision after the step)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(CompactTime)
    recorded_at: Mapped[datetime] = mapped_column(CompactTime)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the hash chain (``ledger.chain``): position in the ledger's one chain of events and audit
    #: entries, the hash of the entry before (a server's; a file leaves it empty: it is the hash of the
    #: entry before in the chain), and this entry's hash; filled when the entry is sealed
    chain_seq: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    chain_prev: Mapped[str | None] = mapped_column(PreviousDigest)
    chain_hash: Mapped[str | None] = mapped_column(Digest)

    case: Mapped[Case] = relationship(cascade="")


class AttachmentBlob(Base):
    """The bytes of an attachment, stored once per SHA-256 inside the ledger so a backup covers them."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    """A file (scanned letter, photo, PDF) that belongs to a case."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    size: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(DateTime)

    case: Mapped[Case] = relationship(back_populates="attachments")


class CalendarDay(Base):
    """The office's own entry of one day (本单位录入): a rest day or a working day, beating the library."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    #: what the day is (春节, 调休上班 …) or where it was read (the notice's number)
    note: Mapped[str] = mapped_column(String(100), default="")
    entered_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    entered_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """One entry of the append-only audit log: who did what with personal data, when (e.g. a full export).

    Actions that concern no single case — exporting the 台账 with unmasked ID and phone numbers,
    printing a batch of 交办单 — are recorded here instead of as case events, which would raise every
    case's revision.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the hash chain (``ledger.chain``): position in the ledger's one chain of events and audit
    #: entries, the hash of the entry before (a server's; a file leaves it empty: it is the hash of the
    #: entry before in the chain), and this entry's hash; filled when the entry is sealed
    chain_seq: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    chain_prev: Mapped[str | None] = mapped_column(PreviousDigest)
    chain_hash: Mapped[str | None] = mapped_column(Digest)


class MergedFile(Base):
    """One unit workbook taken into the office ledger (合并台账): the file, its unit and what it changed.

    A file is recognised by the SHA-256 of its bytes, so merging the same file again changes nothing.
    ``edited`` marks a file whose checksum did not match, taken only because the user said so.
    """

    __tablename__ = "merged_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str] = mapped_column(String(16), index=True)
    unit_name: Mapped[str] = mapped_column(String(100), default="")
    exported_at: Mapped[datetime | None] = mapped_column(DateTime)
    exported_by: Mapped[str] = mapped_column(String(100), default="")
    format_version: Mapped[int] = mapped_column(Integer)
    masked: Mapped[bool] = mapped_column(Boolean, default=True)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    merged_at: Mapped[datetime] = mapped_column(DateTime)
    merged_by: Mapped[str] = mapped_column(String(100))


class CaseOrigin(Base):
    """Provenance of a merged case: the file and unit each revision of it came from.  Append-only.

    ``fingerprint`` is the SHA-256 of the case's row as exported (personal data in masked form), so
    a later file with the same revision but different content is recognised as a conflict.
    """

    __tablename__ = "case_origins"
    __table_args__ = (UniqueConstraint("case_id", "revision", name="uq_case_origin_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    merged_file_id: Mapped[int] = mapped_column(ForeignKey("merged_files.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(DateTime)


class MergedEvent(Base):
    """One step of a merged case as its unit's ledger recorded it (the 办理记录 sheet of the unit's export).

    Shown in the case's history as that unit's record, never as a step the office took: it is not
    in ``case_events`` nor in the office's hash chain (the unit's own chain covers it, and the merge's
    audit entry names the file it came from).  A newer export of the case replaces these rows.
    """

    __tablename__ = "merged_events"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    #: the line the unit's case view showed for the step's data
    detail: Mapped[str] = mapped_column(Text, default="")
    merged_file_id: Mapped[int] = mapped_column(ForeignKey("merged_files.id"))


class MergeConflict(Base):
    """A case that a unit file gives differently at the same revision (or under a number already used).

    Listed for the office, never resolved silently; ``incoming`` keeps the file's row as it was.
    """

    __tablename__ = "merge_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    merged_file_id: Mapped[int] = mapped_column(ForeignKey("merged_files.id"), index=True)
    case_uuid: Mapped[str] = mapped_column(String(36))
    case_no: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    fingerprint: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    incoming: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class PersonFlag(Base):
    """多头访: the same person raising the same category of matter in two or more units within 90 days.

    ``certainty`` is ``exact`` when full ID or phone numbers matched, ``possible`` when only masked
    numbers and the name did (a masked export cannot tell two people with the same name apart).
    """

    __tablename__ = "person_flags"
    __table_args__ = (UniqueConstraint("person_key", "category_id", name="uq_person_flag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(200))
    certainty: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    unit_codes: Mapped[str] = mapped_column(String(200))
    case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    first_received: Mapped[date] = mapped_column(Date)
    last_received: Mapped[date] = mapped_column(Date)
    flagged_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    """A person who may sign in to this ledger, with a role (``ledger.permissions.Role``).

    The password is kept only as an Argon2 hash; ``failed_logins`` and ``locked_until`` lock the account
    after repeated wrong passwords; ``must_change_password`` is set for a new or reset password.
    Users are never deleted, only disabled, since events name them.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: SHA-256 of the token a 管理员 issued for scripts (None: no token)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
