"""The ledger's ORM classes (SQLAlchemy 2, typed): units, departments, categories, petitioners, cases, events.

Each class is mapped onto its table in ``ledger.tables``, where every column is declared; here are the
classes, their attributes' types and their relationships.  Start-up never imports this module before
the window's first rows are drawn (it reads through the tables), so declaring these classes costs the
first rows nothing.  Cases carry a stable UUID, a per-unit human case number, a revision (+1 on every
change) and a last-modified time so that ledgers of different units can be merged.  Events are
append-only: ``ledger.db`` refuses to flush an update or delete of one.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from xinfang_desk.ledger import tables


class Base(DeclarativeBase):
    """Declarative base of every ledger class, on the tables' metadata."""

    metadata = tables.metadata


class ChainedEntry:
    """An entry of the hash chain (a case event or an audit entry): the chain columns of its table."""

    chain_seq: Mapped[int | None]
    chain_prev: Mapped[str | None]
    chain_hash: Mapped[str | None]


class LedgerInfo(Base):
    """Key/value facts about this ledger file: unit code and name, office mode, creation time
    (their keys and reading: ``ledger.ledger_info``)."""

    __table__ = tables.ledger_info

    key: Mapped[str]
    value: Mapped[str]


class Unit(Base):
    """A secondary unit (二级单位) that keeps its own ledger; the office sees all of them."""

    __table__ = tables.units

    id: Mapped[int]
    code: Mapped[str]
    name: Mapped[str]


class Department(Base):
    """A handling department (承办单位) that cases are assigned (交办) to."""

    __table__ = tables.departments

    id: Mapped[int]
    name: Mapped[str]
    active: Mapped[bool]


class Category(Base):
    """A problem category (问题类别); a sub-category has a parent.  Both may carry defaults."""

    __table__ = tables.categories

    id: Mapped[int]
    name: Mapped[str]
    parent_id: Mapped[int | None]
    default_deadline_days: Mapped[int | None]
    default_department_id: Mapped[int | None]
    sort_order: Mapped[int]
    active: Mapped[bool]

    parent: Mapped["Category | None"] = relationship(remote_side=[tables.categories.c.id])
    default_department: Mapped[Department | None] = relationship()


class Petitioner(Base):
    """The person (信访人) as recorded on one case; matching across cases uses ID number or name + phone."""

    __table__ = tables.petitioners

    id: Mapped[int]
    uuid: Mapped[str]
    name: Mapped[str]
    id_number: Mapped[str | None]
    phone: Mapped[str | None]
    identity_type: Mapped[str]
    affiliation: Mapped[str]
    anonymous: Mapped[bool]


class Case(Base):
    """One petition matter (信访事项): the unit of the ledger."""

    __table__ = tables.cases

    id: Mapped[int]
    uuid: Mapped[str]
    unit_code: Mapped[str]
    year: Mapped[int]
    seq: Mapped[int]
    case_no: Mapped[str]

    received_at: Mapped[datetime]
    channel: Mapped[str]
    source: Mapped[str]
    nature: Mapped[str]
    category_id: Mapped[int]
    subcategory_id: Mapped[int | None]
    petitioner_id: Mapped[int]
    people_count: Mapped[int]
    summary: Mapped[str]
    content: Mapped[str]

    is_repeat: Mapped[bool]
    repeat_of_id: Mapped[int | None]
    bypassed_level: Mapped[bool]
    superior_ref: Mapped[str]
    superior_due_on: Mapped[date | None]

    status: Mapped[str]
    decide_due_on: Mapped[date]
    objection_due_on: Mapped[date | None]
    accepted_at: Mapped[datetime | None]
    decline_reason: Mapped[str]
    forwarded_to: Mapped[str]
    proposed_department: Mapped[str]
    department_id: Mapped[int | None]
    assigned_at: Mapped[datetime | None]
    assign_opinion: Mapped[str]
    assign_count: Mapped[int]
    handle_due_on: Mapped[date | None]
    due_given: Mapped[bool]
    extended_days: Mapped[int]
    extension_count: Mapped[int]
    due_on: Mapped[date | None]
    due_estimated: Mapped[bool]
    deadline_basis: Mapped[dict[str, Any] | None]
    supervise_count: Mapped[int]
    replied_at: Mapped[datetime | None]
    outcome: Mapped[str | None]
    reply_text: Mapped[str]
    satisfaction: Mapped[str]
    evaluated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_on_time: Mapped[bool | None]
    reopen_count: Mapped[int]
    review_requested: Mapped[bool]
    owner_leader: Mapped[str]
    remarks: Mapped[str]

    revision: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # reference data is never created through a case: no save cascade (keeps large flushes cheap)
    category: Mapped[Category] = relationship(foreign_keys=[tables.cases.c.category_id], cascade="merge")
    subcategory: Mapped[Category | None] = relationship(
        foreign_keys=[tables.cases.c.subcategory_id], cascade="merge"
    )
    petitioner: Mapped[Petitioner] = relationship()
    department: Mapped[Department | None] = relationship(cascade="merge")
    #: the history, read-only here: events are written by ``Workflow`` and never changed
    events: Mapped[list["CaseEvent"]] = relationship(order_by="CaseEvent.seq", viewonly=True)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="save-update, merge"
    )

    # Optimistic locking: every step raises the revision itself, and an UPDATE only applies to the
    # revision it read, so of two people acting on one case at once the second is told it changed.
    __mapper_args__ = {"version_id_col": tables.cases.c.revision, "version_id_generator": False}


class CaseEvent(ChainedEntry, Base):
    """One step in a case's history: who, when, what, a note and the step's data.  Never changed."""

    __table__ = tables.case_events

    case_id: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str]
    actor: Mapped[str]
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    note: Mapped[str]
    data: Mapped[dict[str, Any]]

    case: Mapped[Case] = relationship(cascade="")


class AttachmentBlob(Base):
    """The bytes of an attachment, stored once per SHA-256 inside the ledger so a backup covers them."""

    __table__ = tables.attachment_blobs

    sha256: Mapped[str]
    size: Mapped[int]
    content: Mapped[bytes]


class Attachment(Base):
    """A file (scanned letter, photo, PDF) that belongs to a case."""

    __table__ = tables.attachments

    id: Mapped[int]
    case_id: Mapped[int]
    filename: Mapped[str]
    media_type: Mapped[str]
    sha256: Mapped[str]
    size: Mapped[int]
    added_by: Mapped[str]
    added_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="attachments")


class CalendarDay(Base):
    """The office's own entry of one day (本单位录入): a rest day or a working day, beating the library."""

    __table__ = tables.calendar_days

    day: Mapped[date]
    is_workday: Mapped[bool]
    note: Mapped[str]
    entered_by: Mapped[str]
    entered_at: Mapped[datetime | None]


class AuditEntry(ChainedEntry, Base):
    """One entry of the append-only audit log: who did what with personal data, when (e.g. a full export).

    Actions that concern no single case — exporting the 台账 with unmasked ID and phone numbers,
    printing a batch of 交办单 — are recorded here instead of as case events, which would raise every
    case's revision.
    """

    __table__ = tables.audit_log

    id: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str]
    detail: Mapped[dict[str, Any]]


class MergedFile(Base):
    """One unit workbook taken into the office ledger (合并台账): the file, its unit and what it changed.

    A file is recognised by the SHA-256 of its bytes, so merging the same file again changes nothing.
    ``edited`` marks a file whose checksum did not match, taken only because the user said so.
    """

    __table__ = tables.merged_files

    id: Mapped[int]
    sha256: Mapped[str]
    file_name: Mapped[str]
    unit_code: Mapped[str]
    unit_name: Mapped[str]
    exported_at: Mapped[datetime | None]
    exported_by: Mapped[str]
    format_version: Mapped[int]
    masked: Mapped[bool]
    edited: Mapped[bool]
    row_count: Mapped[int]
    added: Mapped[int]
    updated: Mapped[int]
    unchanged: Mapped[int]
    conflicts: Mapped[int]
    merged_at: Mapped[datetime]
    merged_by: Mapped[str]


class CaseOrigin(Base):
    """Provenance of a merged case: the file and unit each revision of it came from.  Append-only.

    ``fingerprint`` is the SHA-256 of the case's row as exported (personal data in masked form), so
    a later file with the same revision but different content is recognised as a conflict.
    """

    __table__ = tables.case_origins

    id: Mapped[int]
    case_id: Mapped[int]
    merged_file_id: Mapped[int]
    unit_code: Mapped[str]
    revision: Mapped[int]
    fingerprint: Mapped[str]
    row_number: Mapped[int]
    merged_at: Mapped[datetime]


class MergedEvent(Base):
    """One step of a merged case as its unit's ledger recorded it (the 办理记录 sheet of the unit's export).

    Shown in the case's history as that unit's record, never as a step the office took: it is not
    in ``case_events`` nor in the office's hash chain (the unit's own chain covers it, and the merge's
    audit entry names the file it came from).  A newer export of the case replaces these rows.
    """

    __table__ = tables.merged_events

    case_id: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str]
    actor: Mapped[str]
    at: Mapped[datetime]
    note: Mapped[str]
    detail: Mapped[str]
    merged_file_id: Mapped[int]


class MergeConflict(Base):
    """A case that a unit file gives differently at the same revision (or under a number already used).

    Listed for the office, never resolved silently; ``incoming`` keeps the file's row as it was.
    """

    __table__ = tables.merge_conflicts

    id: Mapped[int]
    case_id: Mapped[int | None]
    merged_file_id: Mapped[int]
    case_uuid: Mapped[str]
    case_no: Mapped[str]
    revision: Mapped[int]
    kind: Mapped[str]
    fingerprint: Mapped[str]
    row_number: Mapped[int]
    incoming: Mapped[dict[str, Any]]
    detected_at: Mapped[datetime]
    resolved: Mapped[bool]


class PersonFlag(Base):
    """多头访: the same person raising the same category of matter in two or more units within 90 days.

    ``certainty`` is ``exact`` when full ID or phone numbers matched, ``possible`` when only masked
    numbers and the name did (a masked export cannot tell two people with the same name apart).
    """

    __table__ = tables.person_flags

    id: Mapped[int]
    person_key: Mapped[str]
    certainty: Mapped[str]
    name: Mapped[str]
    category_id: Mapped[int]
    unit_codes: Mapped[str]
    case_ids: Mapped[list[int]]
    first_received: Mapped[date]
    last_received: Mapped[date]
    flagged_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class User(Base):
    """A person who may sign in to this ledger, with a role (``ledger.permissions.Role``).

    The password is kept only as an Argon2 hash; ``failed_logins`` and ``locked_until`` lock the account
    after repeated wrong passwords; ``must_change_password`` is set for a new or reset password.
    Users are never deleted, only disabled, since events name them.
    """

    __table__ = tables.users

    id: Mapped[int]
    name: Mapped[str]
    role: Mapped[str]
    password_hash: Mapped[str]
    must_change_password: Mapped[bool]
    failed_logins: Mapped[int]
    locked_until: Mapped[datetime | None]
    active: Mapped[bool]
    token_hash: Mapped[str | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str]
