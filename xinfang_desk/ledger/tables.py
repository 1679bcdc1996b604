"""The ledger's tables (SQLAlchemy Core): every column, key, index and constraint a ledger stores.

Declared once here; ``ledger.models`` maps its classes onto these tables.  Start-up reads through the
tables alone (the ledger's facts, whether it has users, the 台账's first page), so the window's first
rows need neither the ORM classes declared nor their mappers configured.  Dialect-neutral: the same
tables run on SQLite and PostgreSQL.
"""

import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    update,
)
from sqlalchemy.orm import Session

from xinfang_desk.ledger.chain import Digest, PreviousDigest
from xinfang_desk.ledger.compact_forms import CompactTime, CompactUuid, ShortKeysJSON

metadata = MetaData()


def new_uuid() -> str:
    return str(uuid.uuid4())


def set_value(session: Session, table: Table, key: str, value: Any) -> None:
    """Set ``key``'s value in a key/value table (``ledger_info``, ``settings``): its row updated, or added
    when the key has none yet, in the session's transaction."""
    if session.execute(update(table).where(table.c.key == key).values(value=value)).rowcount == 0:
        session.execute(insert(table).values(key=key, value=value))


def _chain_columns() -> tuple[Column, ...]:
    """The hash chain's columns (``ledger.chain``) of a case event or an audit entry: its position in the
    ledger's one chain of both, the hash of the entry before (a server's; a file leaves it empty: it is
    the hash of the entry before in the chain), and its own hash; filled when the entry is sealed."""
    return (
        Column("chain_seq", Integer, unique=True, index=True),
        Column("chain_prev", PreviousDigest),
        Column("chain_hash", Digest),
    )


ledger_info = Table(
    "ledger_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False, default=""),
)

#: the settings a user changed, by key (``ledger.settings`` declares them and reads and writes this table)
settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
)

categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("parent_id", ForeignKey("categories.id")),
    Column("default_deadline_days", Integer),
    Column("default_department_id", ForeignKey("departments.id")),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("parent_id", "name", name="uq_category_parent_name"),
)

petitioners = Table(
    "petitioners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", CompactUuid, nullable=False, unique=True, default=new_uuid, insert_sentinel=True),
    Column("name", String(100), nullable=False, default=""),
    Column("id_number", String(18)),
    Column("phone", String(32)),
    Column("identity_type", String(16), nullable=False, default="student"),
    Column("affiliation", String(200), nullable=False, default=""),
    Column("anonymous", Boolean, nullable=False, default=False),
    Index("ix_petitioners_id_number", "id_number"),
    Index("ix_petitioners_name_phone", "name", "phone"),
)

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

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", CompactUuid, nullable=False, unique=True, default=new_uuid, insert_sentinel=True),
    Column("unit_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("case_no", String(40), nullable=False, unique=True),
    Column("received_at", CompactTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("source", String(24), nullable=False),
    Column("nature", String(16), nullable=False),
    Column("category_id", ForeignKey("categories.id"), nullable=False, index=True),
    Column("subcategory_id", ForeignKey("categories.id")),
    Column("petitioner_id", ForeignKey("petitioners.id"), nullable=False, index=True),
    Column("people_count", Integer, nullable=False, default=1),
    Column("summary", String(500), nullable=False),
    Column("content", Text, nullable=False, default=""),
    Column("is_repeat", Boolean, nullable=False, default=False),
    Column("repeat_of_id", ForeignKey("cases.id")),
    Column("bypassed_level", Boolean, nullable=False, default=False),
    Column("superior_ref", String(100), nullable=False, default=""),
    Column("superior_due_on", Date),
    #: indexed by ix_cases_status_due (with ``due_on``)
    Column("status", String(16), nullable=False),
    Column("decide_due_on", Date, nullable=False),
    Column("objection_due_on", Date),
    Column("accepted_at", CompactTime),
    Column("decline_reason", Text, nullable=False, default=""),
    Column("forwarded_to", String(200), nullable=False, default=""),
    #: the handling department the clerk proposed at registration (the 交办 dialog starts from it)
    Column("proposed_department", String(100), nullable=False, default="", server_default=""),
    Column("department_id", ForeignKey("departments.id"), index=True),
    Column("assigned_at", CompactTime),
    Column("assign_opinion", Text, nullable=False, default=""),
    Column("assign_count", Integer, nullable=False, default=0),
    Column("handle_due_on", Date),
    #: True when ``handle_due_on`` (and 是否按期办结) was taken as recorded in an old 台账, never
    #: computed by the deadline rules: recomputing deadlines must leave such a case alone.
    Column("due_given", Boolean, nullable=False, default=False, server_default="0"),
    Column("extended_days", Integer, nullable=False, default=0),
    Column("extension_count", Integer, nullable=False, default=0),
    #: The deadline that applies now (deciding, handling or review); null once the case is finished.
    Column("due_on", Date),
    #: ``due_on`` depends on an estimated holiday (a year without official data): shown as 估算
    Column("due_estimated", Boolean, nullable=False, default=False, server_default="0"),
    #: How each deadline computed by the rules was reckoned, so a calendar change can recompute it:
    #: ``{"decide"|"objection"|"handle": {"start", "days", "kind", "extensions", "estimated"}}``.
    #: A deadline given from outside (上级转办, an imported 办理时限, a 交办 date) has no entry.  A ledger
    #: file keeps each key as one letter (``ledger.compact_forms``).
    Column("deadline_basis", ShortKeysJSON),
    Column("supervise_count", Integer, nullable=False, default=0),
    Column("replied_at", CompactTime),
    Column("outcome", String(16)),
    Column("reply_text", Text, nullable=False, default=""),
    Column("satisfaction", String(16), nullable=False, default="none"),
    Column("evaluated_at", CompactTime),
    Column("closed_at", CompactTime),
    Column("closed_on_time", Boolean),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("review_requested", Boolean, nullable=False, default=False),
    Column("owner_leader", String(100), nullable=False, default=""),
    Column("remarks", Text, nullable=False, default=""),
    #: +1 on every change: the version an UPDATE must find (``models.Case``'s optimistic locking)
    Column("revision", Integer, nullable=False, default=1),
    Column("created_at", CompactTime, nullable=False),
    Column("updated_at", CompactTime, nullable=False),
    UniqueConstraint("unit_code", "year", "seq", name="uq_case_number"),
    Index("ix_cases_received_at", "received_at"),
    Index("ix_cases_figures", *FIGURES_INDEX_COLUMNS),
    Index("ix_cases_repeat_of", "repeat_of_id"),
    #: counting the cases of a channel (the 台账's 来访/来信… filter) reads this, not every case
    Index("ix_cases_channel", "channel"),
    Index("ix_cases_status_due", "status", "due_on"),
)

case_events = Table(
    "case_events",
    metadata,
    #: an event is the ``seq``-th step of its case (seq == the case's revision after the step)
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", CompactTime, nullable=False),
    Column("recorded_at", CompactTime, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("data", JSON, nullable=False, default=dict),
    *_chain_columns(),
)

attachment_blobs = Table(
    "attachment_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(100), nullable=False, default="application/octet-stream"),
    Column("sha256", ForeignKey("attachment_blobs.sha256"), nullable=False),
    Column("size", Integer, nullable=False),
    Column("added_by", String(100), nullable=False),
    Column("added_at", DateTime, nullable=False),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("is_workday", Boolean, nullable=False),
    #: what the day is (春节, 调休上班 …) or where it was read (the notice's number)
    Column("note", String(100), nullable=False, default=""),
    Column("entered_by", String(100), nullable=False, default="", server_default=""),
    Column("entered_at", DateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    *_chain_columns(),
)

merged_files = Table(
    "merged_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", String(255), nullable=False),
    Column("unit_code", String(16), nullable=False, index=True),
    Column("unit_name", String(100), nullable=False, default=""),
    Column("exported_at", DateTime),
    Column("exported_by", String(100), nullable=False, default=""),
    Column("format_version", Integer, nullable=False),
    Column("masked", Boolean, nullable=False, default=True),
    Column("edited", Boolean, nullable=False, default=False),
    Column("row_count", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("conflicts", Integer, nullable=False, default=0),
    Column("merged_at", DateTime, nullable=False),
    Column("merged_by", String(100), nullable=False),
)

case_origins = Table(
    "case_origins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("merged_file_id", ForeignKey("merged_files.id"), nullable=False, index=True),
    Column("unit_code", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("merged_at", DateTime, nullable=False),
    UniqueConstraint("case_id", "revision", name="uq_case_origin_revision"),
)

merged_events = Table(
    "merged_events",
    metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("actor", String(100), nullable=False, default=""),
    Column("at", DateTime, nullable=False),
    Column("note", Text, nullable=False, default=""),
    #: the line the unit's case view showed for the step's data
    Column("detail", Text, nullable=False, default=""),
    Column("merged_file_id", ForeignKey("merged_files.id"), nullable=False),
)

merge_conflicts = Table(
    "merge_conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), index=True),
    Column("merged_file_id", ForeignKey("merged_files.id"), nullable=False, index=True),
    Column("case_uuid", String(36), nullable=False),
    Column("case_no", String(40), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("incoming", JSON, nullable=False, default=dict),
    Column("detected_at", DateTime, nullable=False),
    Column("resolved", Boolean, nullable=False, default=False),
)

person_flags = Table(
    "person_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_key", String(200), nullable=False),
    Column("certainty", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("category_id", ForeignKey("categories.id"), nullable=False),
    Column("unit_codes", String(200), nullable=False),
    Column("case_ids", JSON, nullable=False, default=list),
    Column("first_received", Date, nullable=False),
    Column("last_received", Date, nullable=False),
    Column("flagged_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("person_key", "category_id", name="uq_person_flag"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("must_change_password", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("active", Boolean, nullable=False, default=True),
    #: SHA-256 of the token a 管理员 issued for scripts (None: no token)
    Column("token_hash", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)
