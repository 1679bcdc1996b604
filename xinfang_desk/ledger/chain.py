"""The hash chain: every event and audit entry carries the hash of the one before, so history cannot be
quietly edited, deleted or reordered.

Rows are written as usual (by the workflow's bulk insert, ``record_audit``, a merge or an import);
each connection of the program notes the rows it inserts (the storage backend's ``new_chained_rows``:
on SQLite a temporary trigger, invisible to any other program), and ``seal`` links exactly those rows
into the ledger's one chain just before the transaction commits.  The chain's head (position and hash) is kept in ``ledger_info``.  A row written
by another program (plain sqlite3) is never sealed, so ``chain_check.verify_ledger`` names it.

The encoding is canonical: the raw stored values of every column but the chain's own, as sorted
JSON, so the same row always gives the same bytes whoever reads it.  The program handles digests as
hex text; a file ledger stores each as its 32 bytes (``Digest``), half the room, and does not store
the digest of the row before (``chain_prev``): it is the previous row's own, read in chain order.  A
file ledger keeps an event's two times as whole microseconds (``compact_forms.CompactTime``); they
are hashed in the text form every ledger used before (``STORED_DATETIME``), so a chain hashes alike
however it is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, String, text
from sqlalchemy.types import TypeDecorator

from xinfang_desk.ledger.compact_forms import COMPACT_FILES, STORED_DATETIME, stored_time_text

#: The tables in the chain and the columns their hash covers (every column but the chain's own).
CHAINED: dict[str, tuple[str, ...]] = {
    "case_events": ("case_id", "seq", "kind", "actor", "at", "recorded_at", "note", "data"),
    "audit_log": ("id", "at", "actor", "action", "detail"),
}
#: Each chained table's primary key: how rows are addressed where the database has no row number of its own.
KEYS: dict[str, tuple[str, ...]] = {"case_events": ("case_id", "seq"), "audit_log": ("id",)}
#: The columns holding JSON: read as the text stored (a server would otherwise hand back parsed values).
JSON_COLUMNS = frozenset({"data", "detail"})
CHAIN_COLUMNS = ("chain_seq", "chain_prev", "chain_hash")
GENESIS = "0" * 64
HEAD_KEY = "chain_head"
#: Databases that keep a digest as its bytes (a ledger file, where every byte of history counts); a
#: server keeps the hex text, and its unsealed rows carry a transaction's mark in ``chain_prev``.
DIGESTS_AS_BYTES = frozenset({"sqlite"})
#: The chained columns a ledger file keeps as microseconds (``CompactTime``), by table; they are hashed
#: in the text form every ledger used before (``STORED_DATETIME``).
EVENT_TIMES: dict[str, tuple[str, ...]] = {"case_events": ("at", "recorded_at")}


def stored_digest(dialect: Dialect, digest: str | None) -> str | bytes | None:
    """A digest (hex text) as ``dialect``'s database keeps it."""
    if digest is None or dialect.name not in DIGESTS_AS_BYTES:
        return digest
    return bytes.fromhex(digest)


def digest_text(stored: str | bytes | None) -> str | None:
    """A stored digest as the hex text the program uses (a ledger upgraded earlier may hold either)."""
    return stored.hex() if isinstance(stored, bytes) else stored


class Digest(TypeDecorator[str]):
    """The column type of ``chain_prev`` and ``chain_hash``: hex text in the program (``stored_digest``)."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | bytes | None:
        return stored_digest(dialect, value)

    def process_result_value(self, value: str | bytes | None, dialect: Dialect) -> str | None:
        return digest_text(value)


class PreviousDigest(Digest):
    """The column type of ``chain_prev``: kept by a server, left empty in a ledger file (the row before's hash)."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | bytes | None:
        return None if dialect.name in COMPACT_FILES else stored_digest(dialect, value)


def canonical(table: str, row: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash covers: its table and its stored values, as sorted JSON."""
    values = {column: _plain(row[column]) for column in CHAINED[table]}
    return json.dumps([table, values], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if isinstance(value, datetime):  # a server's timestamp, written as a file ledger stores it
        return value.strftime(STORED_DATETIME)
    return str(value)


def link(prev: str, table: str, row: Mapping[str, Any]) -> str:
    """The hash of a row that follows the row hashed ``prev``."""
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical(table, row)).hexdigest()


class ChainTracking(Protocol):
    """How a database tells which rows a transaction inserted (the storage backend)."""

    def chain_key(self, table: str) -> tuple[str, ...]:
        """The columns a row of ``table`` is addressed by while it is sealed."""
        ...

    def new_chained_rows(self, connection: Connection) -> list[tuple[str, tuple[Any, ...]]] | None:
        """The event and audit rows this transaction inserted, in order, by ``chain_key``."""
        ...

    def lock_chain(self, connection: Connection) -> None:
        """Hold the chain's head until this transaction ends (writers chain one after another)."""
        ...


def _marks(connection: Connection, count: int) -> str:
    """``count`` positional placeholders in the database driver's own style."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def _unsealed_everywhere(
    connection: Connection, key_of: Callable[[str], tuple[str, ...]]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Every unsealed row, oldest first (databases that do not track new rows, and the migration)."""
    found: list[tuple[Any, str, tuple[Any, ...]]] = []
    for table in CHAINED:
        key = key_of(table)
        when = "recorded_at" if table == "case_events" else "at"
        for row in connection.exec_driver_sql(
            f"SELECT {when}, {', '.join(key)} FROM {table} WHERE chain_hash IS NULL ORDER BY {', '.join(key)}"
        ):
            found.append((_plain(stored_time_text(row[0])), table, tuple(row[1:])))
    found.sort(key=lambda item: (str(item[0]), item[1], item[2]))
    return [(table, key) for _at, table, key in found]


# -- sealing -----------------------------------------------------------------------------------------
def read_head(connection: Connection) -> tuple[int, str]:
    """The chain's last position and hash (0 and the genesis hash for an empty chain)."""
    value = connection.execute(text("SELECT value FROM ledger_info WHERE key = :k"), {"k": HEAD_KEY}).scalar()
    if not value:
        return 0, GENESIS
    seq, _, digest = str(value).partition(" ")
    return int(seq), digest


def _write_head(connection: Connection, seq: int, digest: str) -> None:
    params = {"k": HEAD_KEY, "v": f"{seq} {digest}"}
    if connection.execute(text("UPDATE ledger_info SET value = :v WHERE key = :k"), params).rowcount == 0:
        connection.execute(text("INSERT INTO ledger_info(key, value) VALUES (:k, :v)"), params)


def raw_rows(
    connection: Connection,
    table: str,
    keys: Iterable[tuple[Any, ...]] | None = None,
    key: tuple[str, ...] | None = None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows of a chained table as stored (no type conversion), by ``key`` (the primary key by default).

    ``keys`` picks rows by their key; a key of several columns is looked up by its first column.
    """
    key = key or KEYS[table]
    values = ", ".join(f"CAST({c} AS TEXT)" if c in JSON_COLUMNS else c for c in CHAINED[table])
    sql = f"SELECT {', '.join(key)}, {values}, {', '.join(CHAIN_COLUMNS)} FROM {table}"
    names = (*CHAINED[table], *CHAIN_COLUMNS)
    times = EVENT_TIMES.get(table, ())
    found: dict[tuple[Any, ...], dict[str, Any]] = {}

    def take(rows: Iterable[Sequence[Any]], wanted: set[tuple[Any, ...]] | None = None) -> None:
        for row in rows:
            at = tuple(row[: len(key)])
            if wanted is None or at in wanted:
                found[at] = values = {"_key": at, **dict(zip(names, row[len(key) :], strict=True))}
                values["chain_prev"] = digest_text(values["chain_prev"])
                values["chain_hash"] = digest_text(values["chain_hash"])
                for name in times:
                    values[name] = stored_time_text(values[name])

    if keys is None:
        take(connection.exec_driver_sql(sql))
        return found
    wanted = set(keys)
    firsts = sorted({k[0] for k in wanted})
    for start in range(0, len(firsts), 500):
        chunk = firsts[start : start + 500]
        rows = connection.exec_driver_sql(
            f"{sql} WHERE {key[0]} IN ({_marks(connection, len(chunk))})", tuple(chunk)
        )
        take(rows, wanted if len(key) > 1 else None)
    return found


def seal(
    connection: Connection,
    tracking: ChainTracking | None = None,
    *,
    everything_unsealed: bool = False,
) -> int:
    """Link the rows this transaction inserted into the chain; returns how many.

    ``tracking`` (the storage backend) tells which rows this transaction inserted, in order, and holds
    the chain while it is extended; ``everything_unsealed`` seals every unsealed row (a ledger that had
    no chain yet).  Without either, every unsealed row is sealed too.
    """
    key_of = tracking.chain_key if tracking is not None else KEYS.__getitem__
    pending = None if everything_unsealed or tracking is None else tracking.new_chained_rows(connection)
    if pending is None:
        pending = _unsealed_everywhere(connection, key_of)
    if not pending:
        return 0
    if tracking is not None:
        tracking.lock_chain(connection)
    by_table: dict[str, list[tuple[Any, ...]]] = {}
    for table, key in pending:
        by_table.setdefault(table, []).append(key)
    stored = {table: raw_rows(connection, table, keys, key_of(table)) for table, keys in by_table.items()}
    seq, digest = read_head(connection)
    updates: dict[str, list[tuple[Any, ...]]] = {table: [] for table in by_table}
    for table, key in pending:
        row = stored[table].get(key)
        if row is None or row["chain_hash"] is not None:
            continue
        seq, prev = seq + 1, digest
        digest = link(prev, table, row)
        dialect = connection.dialect
        kept_prev = None if dialect.name in COMPACT_FILES else stored_digest(dialect, prev)
        updates[table].append((seq, kept_prev, stored_digest(dialect, digest), *key))
    for table, rows in updates.items():
        if rows:
            key = key_of(table)
            mark = _marks(connection, 1)
            where = " AND ".join(f"{column} = {mark}" for column in key)
            connection.exec_driver_sql(
                f"UPDATE {table} SET chain_seq = {mark}, chain_prev = {mark}, chain_hash = {mark} WHERE {where}",
                rows,
            )
    _write_head(connection, seq, digest)
    return sum(len(rows) for rows in updates.values())


def last_hash(connection: Connection) -> str:
    """The chain's current head hash (what an export prints in its identity)."""
    return read_head(connection)[1]


def ordered_chain(connection: Connection) -> Sequence[tuple[str, dict[str, Any]]]:
    """Every row of both tables as (table, stored row), sealed rows in chain order, unsealed ones last."""
    rows = [(table, row) for table in CHAINED for row in raw_rows(connection, table).values()]
    rows.sort(
        key=lambda item: (item[1]["chain_seq"] is None, item[1]["chain_seq"] or 0, item[0], item[1]["_key"])
    )
    return rows
