"""The hash chain: every event and audit entry carries the hash of the one before, so history cannot be
quietly edited, deleted or reordered.

Rows are written as usual (by the workflow's bulk insert, ``record_audit``, a merge or an import);
each connection of the program notes the rows it inserts (the storage backend's ``new_chained_rows``:
on SQLite a temporary trigger, invisible to any other program), and ``seal`` links exactly those rows
into the ledger's one chain just before the transaction commits.  The chain's head (position and hash) is kept in ``ledger_info``.  A row written
by another program (plain sqlite3) is never sealed, so ``chain_check.verify_ledger`` names it.

The encoding is canonical: the raw stored values of every column but the chain's own, as sorted
JSON, so the same row always gives the same bytes whoever reads it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

#: The tables in the chain and the columns their hash covers (every column but the chain's own).
CHAINED: dict[str, tuple[str, ...]] = {
    "case_events": ("case_id", "seq", "kind", "actor", "at", "recorded_at", "note", "data"),
    "audit_log": ("id", "at", "actor", "action", "detail"),
}
CHAIN_COLUMNS = ("chain_seq", "chain_prev", "chain_hash")
GENESIS = "0" * 64
HEAD_KEY = "chain_head"


def canonical(table: str, row: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash covers: its table and its stored values, as sorted JSON."""
    values = {column: _plain(row[column]) for column in CHAINED[table]}
    return json.dumps([table, values], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return str(value)


def link(prev: str, table: str, row: Mapping[str, Any]) -> str:
    """The hash of a row that follows the row hashed ``prev``."""
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical(table, row)).hexdigest()


def _unsealed_everywhere(connection: Connection) -> list[tuple[str, int]]:
    """Every unsealed row, oldest first (databases without temporary triggers, and the migration)."""
    found: list[tuple[str, str, int]] = []
    for table in CHAINED:
        for at, rid in connection.execute(
            text(f"SELECT recorded_at, rowid FROM {table} WHERE chain_hash IS NULL ORDER BY rowid")
            if table == "case_events"
            else text(f"SELECT at, rowid FROM {table} WHERE chain_hash IS NULL ORDER BY rowid")
        ):
            found.append((str(at), table, int(rid)))
    found.sort()
    return [(table, rid) for _at, table, rid in found]


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
    connection: Connection, table: str, rowids: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Rows of a chained table as stored (no type conversion), by rowid."""
    columns = ", ".join((*CHAINED[table], *CHAIN_COLUMNS))
    sql = f"SELECT rowid, {columns} FROM {table}"
    names = ("rowid", *CHAINED[table], *CHAIN_COLUMNS)
    found: dict[int, dict[str, Any]] = {}
    if rowids is None:
        for row in connection.exec_driver_sql(sql):
            found[int(row[0])] = dict(zip(names, row, strict=True))
        return found
    ids = list(rowids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in connection.exec_driver_sql(f"{sql} WHERE rowid IN ({marks})", tuple(chunk)):
            found[int(row[0])] = dict(zip(names, row, strict=True))
    return found


def seal(
    connection: Connection,
    tracked: Callable[[Connection], list[tuple[str, int]] | None] | None = None,
    *,
    everything_unsealed: bool = False,
) -> int:
    """Link the rows this transaction inserted into the chain; returns how many.

    ``tracked`` gives the rows this connection inserted, in order (None when it does not know);
    ``everything_unsealed`` seals every unsealed row (the migration that introduces the chain).
    """
    pending = None if everything_unsealed or tracked is None else tracked(connection)
    if pending is None:
        pending = _unsealed_everywhere(connection)
    if not pending:
        return 0
    by_table: dict[str, list[int]] = {}
    for table, rid in pending:
        by_table.setdefault(table, []).append(rid)
    stored = {table: raw_rows(connection, table, ids) for table, ids in by_table.items()}
    seq, digest = read_head(connection)
    updates: dict[str, list[tuple[int, str, str, int]]] = {table: [] for table in by_table}
    for table, rid in pending:
        row = stored[table].get(rid)
        if row is None or row["chain_hash"] is not None:
            continue
        seq, prev = seq + 1, digest
        digest = link(prev, table, row)
        updates[table].append((seq, prev, digest, rid))
    for table, rows in updates.items():
        if rows:
            connection.exec_driver_sql(
                f"UPDATE {table} SET chain_seq = ?, chain_prev = ?, chain_hash = ? WHERE rowid = ?", rows
            )
    _write_head(connection, seq, digest)
    return sum(len(rows) for rows in updates.values())


def last_hash(connection: Connection) -> str:
    """The chain's current head hash (what an export prints in its identity)."""
    return read_head(connection)[1]


def ordered_chain(connection: Connection) -> Sequence[tuple[str, dict[str, Any]]]:
    """Every row of both tables as (table, stored row), sealed rows in chain order, unsealed ones last."""
    rows = [(table, row) for table in CHAINED for row in raw_rows(connection, table).values()]
    rows.sort(key=lambda item: (item[1]["chain_seq"] is None, item[1]["chain_seq"] or 0, item[1]["rowid"]))
    return rows
